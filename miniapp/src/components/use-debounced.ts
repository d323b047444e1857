import { useEffect, useState } from 'react';

/**
 * What is typed in a search box, trimmed, once the typing pauses for `ms`: a search asks the server once a word, not
 * once a keystroke.
 */
export function useDebounced(typed: string, ms: number): string {
  const [settled, setSettled] = useState(typed.trim());
  useEffect(() => {
    const timer = setTimeout(() => setSettled(typed.trim()), ms);
    return () => clearTimeout(timer);
  }, [typed, ms]);
  return settled;
}

import type { PropsWithChildren } from 'react';
// NutUI's styles once for the whole app (its px stay as drawn: see designWidth / selectorBlackList in config).
import '@nutui/nutui-react-taro/dist/style.css';
import { installUnauthorizedHandler, resumeLive } from './services/session';
import './app.css';

// an expired or revoked token sends the person back to the login page
installUnauthorizedHandler();
// a login remembered from before: the live connection (updates, badge, toasts) opens at once
resumeLive();

function App({ children }: PropsWithChildren) {
  // children is the page being shown
  return children;
}

export default App;

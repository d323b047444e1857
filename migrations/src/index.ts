import { CreateRegion1795392000000 } from './1795392000000-CreateRegion';

/**
 * Every migration, oldest first. Listed explicitly (no globs) so the server, the tests and the CLI run exactly
 * the same set. Name new ones `<timestamp>-<Verb><Thing>.ts`, with `up`, `down` and a comment saying why.
 */
export const migrations = [CreateRegion1795392000000];

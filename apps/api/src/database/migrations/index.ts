import { Initial1795496499298 } from './1795496499298-Initial';

/** Listed explicitly, in order (the server is bundled; no globs). */
export const MIGRATIONS = [Initial1795496499298];

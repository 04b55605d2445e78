import { Initial1795496499298 } from './1795496499298-Initial';
import { Security1795504247663 } from './1795504247663-Security';

/** Listed explicitly, in order (the server is bundled; no globs). */
export const MIGRATIONS = [Initial1795496499298, Security1795504247663];

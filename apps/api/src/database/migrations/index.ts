import { Initial1795496499298 } from './1795496499298-Initial';
import { Security1795504247663 } from './1795504247663-Security';
import { ChangeNotifications1795512000000 } from './1795512000000-ChangeNotifications';
import { StorageMoves1795514008849 } from './1795514008849-StorageMoves';
import { Retention1795522342669 } from './1795522342669-Retention';
import { LoginDelays1795530000000 } from './1795530000000-LoginDelays';
import { ServerSecrets1795531000000 } from './1795531000000-ServerSecrets';
import { FeedInlineContent1796526315359 } from './1796526315359-FeedInlineContent';
import { ItemChangeNotifications1796600000000 } from './1796600000000-ItemChangeNotifications';
import { MovedItemNotifications1796650000000 } from './1796650000000-MovedItemNotifications';
import { DirectoryPolicies1796700000000 } from './1796700000000-DirectoryPolicies';
import { FileHistory1796750000000 } from './1796750000000-FileHistory';
import { VersionUsage1796800000000 } from './1796800000000-VersionUsage';
import { DavProperties1796850000000 } from './1796850000000-DavProperties';
import { DavLocks1796850001000 } from './1796850001000-DavLocks';
import { Shares1796900000000 } from './1796900000000-Shares';
import { ExternalIdentities1796950000000 } from './1796950000000-ExternalIdentities';
import { ChangeEvents1797000000000 } from './1797000000000-ChangeEvents';
import { Connectors1797010000000 } from './1797010000000-Connectors';
import { Webhooks1797020000000 } from './1797020000000-Webhooks';
import { Replication1797030000000 } from './1797030000000-Replication';
import { WebhookChangeNotifications1797040000000 } from './1797040000000-WebhookChangeNotifications';

/** Listed explicitly, in order (the server is bundled; no globs). */
export const MIGRATIONS = [
  Initial1795496499298,
  Security1795504247663,
  ChangeNotifications1795512000000,
  StorageMoves1795514008849,
  Retention1795522342669,
  LoginDelays1795530000000,
  ServerSecrets1795531000000,
  FeedInlineContent1796526315359,
  ItemChangeNotifications1796600000000,
  MovedItemNotifications1796650000000,
  DirectoryPolicies1796700000000,
  FileHistory1796750000000,
  VersionUsage1796800000000,
  DavProperties1796850000000,
  DavLocks1796850001000,
  Shares1796900000000,
  ExternalIdentities1796950000000,
  ChangeEvents1797000000000,
  Connectors1797010000000,
  Webhooks1797020000000,
  Replication1797030000000,
  WebhookChangeNotifications1797040000000,
];

import { AssetItemEntity } from '../modules/assets/asset-item.entity';
import { AssetVersionCounterEntity } from '../modules/assets/asset-version-counter.entity';
import { AssetVersionEntity } from '../modules/assets/asset-version.entity';
import { MultipartPartEntity } from '../modules/assets/multipart-part.entity';
import { MultipartUploadEntity } from '../modules/assets/multipart-upload.entity';
import { AuditEventEntity } from '../modules/audit/audit-event.entity';
import { FeedEntity } from '../modules/feeds/feed.entity';
import { RetentionCandidateEntity } from '../modules/retention/retention-candidate.entity';
import { RetentionPreviewEntity } from '../modules/retention/retention-preview.entity';
import { RetentionRunEntity } from '../modules/retention/retention-run.entity';
import { RetentionSettingsEntity } from '../modules/retention/retention-settings.entity';
import { ApiKeyEntity } from '../modules/security/api-key.entity';
import { GroupMemberEntity } from '../modules/security/group-member.entity';
import { GroupEntity } from '../modules/security/group.entity';
import { LoginThrottleEntity } from '../modules/security/login-throttle.entity';
import { PrivilegeRuleEntity } from '../modules/security/privilege-rule.entity';
import { RoleEntity } from '../modules/security/role.entity';
import { ServerSecretEntity } from '../modules/security/server-secret.entity';
import { ConnectorCacheEntity } from '../modules/connectors/connector-cache.entity';
import { ConnectorStatsEntity } from '../modules/connectors/connector-stats.entity';
import { ChangeEventEntity } from '../modules/events/change-event.entity';
import { WebhookEntity } from '../modules/webhooks/webhook.entity';
import { WebhookDeliveryEntity } from '../modules/webhooks/webhook-delivery.entity';
import { WebhookAttemptEntity } from '../modules/webhooks/webhook-attempt.entity';
import { ShareEntity } from '../modules/shares/share.entity';
import { SessionEntity } from '../modules/security/session.entity';
import { UserEntity } from '../modules/security/user.entity';
import { BlobDeletionEntity } from '../modules/storage/blob-deletion.entity';
import { StorageMoveEntity } from '../modules/storage/storage-move.entity';

import { DavLockEntity } from '../modules/dav/dav-lock.entity';
import { DavPropertyEntity } from '../modules/dav/dav-property.entity';
import { ReplicationIdentityEntity } from '../modules/replication/replication-identity.entity';
import { ReplicationJobEntity } from '../modules/replication/replication-job.entity';
import { ReplicationRunFileEntity } from '../modules/replication/replication-run-file.entity';
import { ReplicationRunEntity } from '../modules/replication/replication-run.entity';

/** Listed explicitly (no globs): the server is bundled. */
export const ENTITIES = [
  FeedEntity,
  AssetItemEntity,
  AssetVersionEntity,
  AssetVersionCounterEntity,
  MultipartUploadEntity,
  MultipartPartEntity,
  BlobDeletionEntity,
  StorageMoveEntity,
  UserEntity,
  GroupEntity,
  GroupMemberEntity,
  RoleEntity,
  PrivilegeRuleEntity,
  ApiKeyEntity,
  SessionEntity,
  LoginThrottleEntity,
  AuditEventEntity,
  RetentionSettingsEntity,
  RetentionPreviewEntity,
  RetentionCandidateEntity,
  RetentionRunEntity,
  ServerSecretEntity,
  DavPropertyEntity,
  DavLockEntity,
  ShareEntity,
  ChangeEventEntity,
  WebhookEntity,
  WebhookDeliveryEntity,
  WebhookAttemptEntity,
  ReplicationJobEntity,
  ReplicationRunEntity,
  ReplicationRunFileEntity,
  ReplicationIdentityEntity,
  ConnectorCacheEntity,
  ConnectorStatsEntity,
];

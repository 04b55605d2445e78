import { AssetItemEntity } from '../modules/assets/asset-item.entity';
import { MultipartPartEntity } from '../modules/assets/multipart-part.entity';
import { MultipartUploadEntity } from '../modules/assets/multipart-upload.entity';
import { FeedEntity } from '../modules/feeds/feed.entity';
import { BlobDeletionEntity } from '../modules/storage/blob-deletion.entity';

/** Listed explicitly (no globs): the server is bundled. */
export const ENTITIES = [FeedEntity, AssetItemEntity, MultipartUploadEntity, MultipartPartEntity, BlobDeletionEntity];

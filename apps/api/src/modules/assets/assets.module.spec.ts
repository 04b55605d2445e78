import { MODULE_METADATA } from '@nestjs/common/constants';
import { AssetArchiveService } from './asset-archive.service';
import { AssetDownloadService } from './asset-download.service';
import { AssetUploadService } from './asset-upload.service';
import { AssetsModule } from './assets.module';
import { AssetsService } from './assets.service';

describe('AssetsModule', () => {
  // A second protocol (WebDAV, share links) is a module of its own that imports AssetsModule and
  // calls the same services as /endpoints: Nest injects only what the module exports.
  it('exports the services a second protocol needs', () => {
    const exported: unknown[] = Reflect.getMetadata(MODULE_METADATA.EXPORTS, AssetsModule);
    for (const service of [AssetsService, AssetUploadService, AssetDownloadService, AssetArchiveService])
      expect(exported).toContain(service);
  });
});

import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { FeedsService } from '../feeds/feeds.service';
import { AssetsRepository } from './assets.repository';

/** How many groups a report lists; the count says when there are more. */
const REPORT_LIMIT = 100;

/**
 * Names are NFC since spec §1 [ext]; items stored before that as composed and decomposed twins
 * (`café.txt` twice) are left as they are — merging would pick one file's bytes over the other's —
 * and reported here, once at each start, for an administrator to rename or delete one of each pair.
 */
@Injectable()
export class NameTwinsReport implements OnApplicationBootstrap {
  private readonly logger = new Logger('Names');

  constructor(
    private readonly items: AssetsRepository,
    private readonly feeds: FeedsService,
  ) {}

  onApplicationBootstrap(): void {
    // In the background: a large tree must not delay the start.
    void this.report().catch((e: unknown) =>
      this.logger.warn(`Could not check for names that differ only by Unicode normalisation: ${String(e)}`),
    );
  }

  /** Logs one warning listing `directory: path | path` for each group; returns the groups found. */
  async report(): Promise<{ directory: string; paths: string[] }[]> {
    const found = await this.items.findNameTwins(REPORT_LIMIT);
    const names = await this.feeds.namesById(found.map((t) => t.feed_id));
    const twins = found
      .map((t) => ({ directory: names.get(t.feed_id) ?? `#${t.feed_id}`, paths: t.paths }))
      .sort((a, b) => compare(a.directory, b.directory) || compare(a.paths[0], b.paths[0]));
    if (twins.length > 0) {
      const more = twins.length === REPORT_LIMIT ? ` (the first ${REPORT_LIMIT})` : '';
      this.logger.warn(
        `${twins.length} set(s) of items differ only by Unicode normalisation (NFC/NFD) and were kept apart${more}; ` +
          `rename or delete one of each:\n` +
          twins.map((t) => `  ${t.directory}: ${t.paths.map((p) => JSON.stringify(p)).join(' | ')}`).join('\n'),
      );
    }
    return twins;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

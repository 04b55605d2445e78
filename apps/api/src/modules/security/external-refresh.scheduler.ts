import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AdvisoryLocks } from '../../database/advisory-locks';
import { ExternalIdentitiesService } from './external-identities.service';
import { LdapService } from './ldap.service';
import { UsersRepository } from './users.repository';

/** The refresh's advisory lock: 'SSO1', key 0 (one node at a time). */
const LOCK_CLASS = 0x53534f31;

/**
 * Every STOCKROOM_SSO_REFRESH_MINUTES, one node (an advisory lock) re-reads each enabled LDAP user from
 * the directory: their groups are set to what it says now; a user it no longer finds (or finds under
 * another DN) is disabled — sessions end, API keys stop — and audited (an administrator may delete
 * them; signing in again works if they come back). A directory that cannot be reached changes nothing.
 * OIDC users have no lookup without the user: their groups are refreshed at each sign-in.
 */
@Injectable()
export class ExternalRefreshScheduler implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ExternalRefresh');
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly ldap: LdapService,
    private readonly users: UsersRepository,
    private readonly identities: ExternalIdentitiesService,
    private readonly locks: AdvisoryLocks,
  ) {}

  onModuleInit(): void {
    if (!this.ldap.enabled) return;
    this.timer = setInterval(() => void this.refreshSoon(), this.config.ssoRefreshMinutes * 60_000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One refresh (the timer's, or a test's); how many users changed, or -1 when another node holds the lock. */
  refreshSoon(): Promise<number> {
    this.running ??= this.refresh()
      .catch((e) => {
        this.logger.warn(`Refreshing directory users failed: ${(e as Error).message}`);
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async refresh(): Promise<number> {
    if (!this.ldap.enabled) return 0;
    const lock = await this.locks.tryLock(LOCK_CLASS, 0);
    if (!lock) return -1;
    let changed = 0;
    try {
      for (const user of await this.users.listExternalUsers('ldap')) {
        if (!user.enabled) continue;
        // Throws (503) when the directory cannot be asked: stop, change nothing more.
        const found = await this.ldap.lookup(user.userName, user.externalId ?? undefined);
        if (await this.identities.refresh(user, found ? found.groups : null)) changed++;
      }
    } finally {
      await lock.release();
    }
    return changed;
  }
}

import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { clusterChannelInstalled } from '../../cluster/worker-channel';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { UnitOfWork } from '../../database/unit-of-work';
import { PasswordService } from './password.service';
import { PrivilegesRepository } from './privileges.repository';
import { UsersRepository } from './users.repository';

export const ADMIN_USER = 'Admin';
export const ADMIN_PASSWORD_IGNORED =
  'STOCKROOM_ADMIN_PASSWORD is only read on first start; users exist, so it was ignored.';

/** What this start did about the Admin user, for the banner main.ts prints once the server listens. */
export type AdminBootstrapOutcome =
  /** Created now with a random password: shown once, in the banner. */
  | { created: true; generatedPassword: string }
  /** Created now with STOCKROOM_ADMIN_PASSWORD. */
  | { created: true; generatedPassword?: undefined }
  /** Users existed already (a later start, or another node was first). */
  | { created: false; generatedPassword?: undefined };

/**
 * First start: creates the `Admin` user with a global Administer rule — the only grant a fresh
 * install has. The password is STOCKROOM_ADMIN_PASSWORD, or a random one printed once. Several
 * nodes starting together create it once (advisory lock, then "are there users yet?").
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Security');
  private outcome?: AdminBootstrapOutcome;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly privileges: PrivilegesRepository,
    private readonly passwords: PasswordService,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const given = this.config.security.adminPassword;
    const password = given ?? randomBytes(15).toString('base64url');
    const passwordHash = await this.passwords.hash(password);
    const created = await this.unitOfWork.run(async (tx) => {
      await this.users.lockFirstAdmin(tx);
      if ((await this.users.countUsers(tx)) > 0) return false;
      const admin = await this.users.insertUser(tx, {
        userName: ADMIN_USER,
        displayName: 'Administrator',
        email: '',
        enabled: true,
        passwordHash,
      });
      const role = await this.privileges.findRole('Administer', tx);
      if (!admin || !role) throw new Error('Could not create the Admin user (is the Administer role missing?)');
      await this.privileges.insertRule(
        { userId: admin.id, groupId: null, pseudoGroup: null, roleId: role.id, feedId: null, deny: false },
        tx,
      );
      return true;
    });
    if (!created) {
      this.outcome = { created: false };
      // Several workers: the primary says it once, unless a sibling created the user just now.
      if (given && !clusterChannelInstalled()) this.logger.log(ADMIN_PASSWORD_IGNORED);
      return;
    }
    if (given) {
      this.outcome = { created: true };
      this.logger.log(`Created user "${ADMIN_USER}" with the password from STOCKROOM_ADMIN_PASSWORD.`);
    } else {
      // Not logged here: main.ts shows it in the start banner, the last thing printed at start.
      this.outcome = { created: true, generatedPassword: password };
      this.logger.log(
        `The ${ADMIN_USER} user was made with a random password: see the banner once the server listens.`,
      );
    }
  }

  /** This start's outcome, once: the generated password is not kept in memory after it is shown. */
  takeOutcome(): AdminBootstrapOutcome {
    const outcome = this.outcome ?? { created: false };
    this.outcome = outcome.created ? { created: true } : outcome;
    return outcome;
  }
}

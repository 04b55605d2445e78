import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { PasswordService } from './password.service';
import { SecurityRepository } from './security.repository';

export const ADMIN_USER = 'Admin';

/**
 * First start: creates the `Admin` user with a global Administer rule — the only grant a fresh
 * install has. The password is STOCKROOM_ADMIN_PASSWORD, or a random one printed once. Several
 * nodes starting together create it once (advisory lock, then "are there users yet?").
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Security');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: SecurityRepository,
    private readonly passwords: PasswordService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const given = this.config.security.adminPassword;
    const password = given ?? randomBytes(15).toString('base64url');
    const passwordHash = await this.passwords.hash(password);
    const created = await this.repository.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('stockroom:first-admin'))`);
      if ((await this.repository.countUsers(manager)) > 0) return false;
      const admin = await this.repository.insertUser(
        { userName: ADMIN_USER, displayName: 'Administrator', email: '', enabled: true, passwordHash },
        manager,
      );
      const role = await this.repository.findRole('Administer', manager);
      if (!admin || !role) throw new Error('Could not create the Admin user (is the Administer role missing?)');
      await this.repository.insertRule(
        { userId: admin.id, groupId: null, pseudoGroup: null, roleId: role.id, feedId: null, deny: false },
        manager,
      );
      return true;
    });
    if (!created) {
      if (given)
        this.logger.log('STOCKROOM_ADMIN_PASSWORD is only read on first start; users exist, so it was ignored.');
      return;
    }
    if (given) {
      this.logger.log(`Created user "${ADMIN_USER}" with the password from STOCKROOM_ADMIN_PASSWORD.`);
    } else {
      this.logger.warn(`Created user "${ADMIN_USER}" with password: ${password}`);
      this.logger.warn(
        'This password is shown only once: sign in and change it (console: your name ▸ Change password).',
      );
    }
  }
}

import { Injectable } from '@nestjs/common';
import type { Privilege } from '@stockroom/contracts';
import type { Principal } from '../../common/auth/principal';

/**
 * The one place directory privileges are checked (spec §9). Until the security issue lands,
 * every principal holds every privilege; callers already pass the actor, privilege and scope.
 */
@Injectable()
export class AccessService {
  async require(_actor: Principal, _privilege: Privilege, _feedName?: string): Promise<void> {
    return;
  }
}

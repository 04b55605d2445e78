import { Injectable } from '@nestjs/common';
import type { ApiKeyType, FeedKeyPermission } from '@stockroom/contracts';
import { DataSource, IsNull } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { CoherentCache } from '../../database/coherent-cache.service';
import { ApiKeyEntity } from './api-key.entity';

export interface KeyRow {
  id: number;
  type: ApiKeyType;
  secretHash: Buffer;
  displayName: string;
  systemApis: string[];
  feedPermissions: FeedKeyPermission[];
  feedId: number | null;
  userId: number | null;
  userName: string | null;
  userEnabled: boolean | null;
  /** [ext] The owner's source, external id and last sign-in (issue 19: LDAP / OIDC users' keys). */
  userSource: 'builtin' | 'ldap' | 'oidc' | null;
  userExternalId: string | null;
  userLastSignInAt: Date | null;
  expiresAt: Date | null;
  revoked: boolean;
}

/**
 * `api_keys`. Management (create, list, revoke) on the entity API; the lookup on every request's
 * path is one raw query on the indexed secret hash that also reads the owner's name and whether it
 * is enabled (read only; users are UsersRepository's), cached per node (CoherentCache).
 */
@Injectable()
export class ApiKeysRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cache: CoherentCache,
  ) {}

  async insertKey(values: Partial<ApiKeyEntity>): Promise<ApiKeyEntity> {
    const result = await this.dataSource
      .getRepository(ApiKeyEntity)
      .insert(values as QueryDeepPartialEntity<ApiKeyEntity>);
    return this.findKey((result.identifiers[0] as { id: number }).id) as Promise<ApiKeyEntity>;
  }

  findKey(id: number): Promise<ApiKeyEntity | null> {
    return this.dataSource
      .getRepository(ApiKeyEntity)
      .findOne({ where: { id }, relations: { feed: true, user: true } });
  }

  listKeys(filter: { userId?: number; feedId?: number; includeRevoked: boolean }): Promise<ApiKeyEntity[]> {
    return this.dataSource.getRepository(ApiKeyEntity).find({
      where: {
        ...(filter.userId !== undefined ? { userId: filter.userId } : {}),
        ...(filter.feedId !== undefined ? { feedId: filter.feedId } : {}),
        ...(filter.includeRevoked ? {} : { revokedAt: IsNull() }),
      },
      relations: { feed: true, user: true },
      order: { id: 'ASC' },
    });
  }

  async revokeKey(id: number): Promise<boolean> {
    const result = await this.dataSource.query(
      `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`,
      [id],
    );
    return (result as [unknown, number])[1] > 0;
  }

  /** The key a caller presented, by its secret's hash; cached (see CoherentCache) when found. Expiry is compared by the caller, at use. */
  findBySecret(secretHash: Buffer): Promise<KeyRow | null> {
    return this.cache.get(
      'key',
      secretHash.toString('base64'),
      () => this.queryBySecret(secretHash),
      (k) => k !== null,
    );
  }

  private async queryBySecret(secretHash: Buffer): Promise<KeyRow | null> {
    const rows: KeyRow[] = await this.dataSource.query(
      `SELECT k.id, k.type, k.secret_hash AS "secretHash", k.display_name AS "displayName",
              k.system_apis AS "systemApis", k.feed_permissions AS "feedPermissions", k.feed_id AS "feedId",
              k.user_id AS "userId", u.user_name AS "userName", u.enabled AS "userEnabled",
              u.source AS "userSource", u.external_id AS "userExternalId", u.last_sign_in_at AS "userLastSignInAt",
              k.expires_at AS "expiresAt", k.revoked_at IS NOT NULL AS revoked
         FROM api_keys k LEFT JOIN users u ON u.id = k.user_id
        WHERE k.secret_hash = $1`,
      [secretHash],
    );
    return rows[0] ?? null;
  }

  /** Records use at most once a minute per key (a write per request would be a hot row). */
  async touch(id: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE api_keys SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}

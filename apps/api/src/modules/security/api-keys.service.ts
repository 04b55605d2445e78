import { Injectable } from '@nestjs/common';
import { ApiKeyInfo, ApiKeyType, AuditAction, ErrorCode, FeedKeyPermission, Privilege } from '@stockroom/contracts';
import { randomBytes } from 'node:crypto';
import type { Principal } from '../../common/auth/principal';
import { AppError, badRequest } from '../../common/errors/app-error';
import { AuditService } from '../audit/audit.service';
import { FeedsService } from '../feeds/feeds.service';
import { AccessService } from './access.service';
import type { ApiKeyEntity } from './api-key.entity';
import { sha256 } from './authentication.service';
import type { CreateApiKeyDto } from './security-requests.dto';
import { toApiKeyInfo } from './security.mapper';
import { ApiKeysRepository } from './api-keys.repository';
import { UsersRepository } from './users.repository';

const TYPES: ApiKeyType[] = ['System', 'Feed', 'Personal'];
const PERMISSIONS: FeedKeyPermission[] = ['view', 'add', 'promote', 'delete'];
const LOGGING = ['None', 'Request', 'Response', 'Both'];
/** A caller-chosen secret must be as hard to guess as a generated one (≥ 128 bits of base64). */
const MIN_CHOSEN_SECRET = 22;

function pick<T extends string>(value: string, allowed: readonly T[], field: string): T {
  const found = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (!found) throw badRequest(`"${field}" must be one of ${allowed.join(', ')}.`);
  return found;
}

/**
 * API keys (spec §9): personal (acts as its user), feed (one directory, some of
 * view/add/delete), system (admin). The secret is generated (256 bits) or chosen by the caller,
 * returned once, stored as SHA-256. Keys are revoked, not erased, so the audit log keeps meaning.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly apiKeys: ApiKeysRepository,
    private readonly users: UsersRepository,
    private readonly feeds: FeedsService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Principal, input: CreateApiKeyDto): Promise<ApiKeyInfo> {
    const type = pick(input.type ?? 'Personal', TYPES, 'type');
    const values: Partial<ApiKeyEntity> = {
      type,
      displayName: input.displayName ?? '',
      description: input.description ?? '',
      logging: pick(input.logging ?? 'None', LOGGING, 'logging'),
      expiresAt: expiration(input.expiration ?? undefined),
      createdBy: actor.name,
    };
    let feedName: string | null = null;
    if (type === 'System') {
      await this.access.require(actor, Privilege.Administer);
      values.systemApis = input.systemApis ?? [];
    } else if (type === 'Feed') {
      if (input.feedGroup !== undefined && input.feedGroup !== null) {
        throw badRequest('Feed groups do not exist here: give "feed", one asset directory.');
      }
      const name = input.feed ?? undefined;
      if (name === undefined) throw badRequest('"feed" is required for a Feed key.');
      const feed = await this.feeds.requireFor(actor, Privilege.ManageFeed, name);
      feedName = feed.name;
      const permissions = (input.packagePermissions ?? []).map((p) => pick(p, PERMISSIONS, 'packagePermissions'));
      if (permissions.length === 0)
        throw badRequest('"packagePermissions" must hold at least one of view, add, delete.');
      values.feedId = feed.id;
      values.feedPermissions = [...new Set(permissions)];
    } else {
      const userName = input.user ?? (actor.kind === 'anonymous' ? undefined : actor.name);
      const user = userName === undefined ? null : await this.users.findUser(userName);
      if (!user)
        throw badRequest(userName === undefined ? '"user" is required.' : `User "${userName}" does not exist.`);
      // Anyone signed in may make personal keys for themselves; for others, Administer.
      if (user.id !== actor.userId) await this.access.require(actor, Privilege.Administer);
      values.userId = user.id;
    }

    const chosen = input.key ?? undefined;
    if (chosen !== undefined && chosen.length < MIN_CHOSEN_SECRET) {
      throw badRequest(`"key" must be at least ${MIN_CHOSEN_SECRET} characters (or leave it out for a generated one).`);
    }
    if (chosen !== undefined && /[\s:]/.test(chosen)) throw badRequest('"key" may not contain spaces or ":".');
    const secret = chosen ?? randomBytes(32).toString('base64url');
    values.secretHash = sha256(secret);
    let key: ApiKeyEntity;
    try {
      key = await this.apiKeys.insertKey(values);
    } catch (e) {
      if ((e as { code?: string }).code === '23505')
        throw new AppError(ErrorCode.AlreadyExists, 'That key is already in use.');
      throw e;
    }
    await this.audit.record(actor, AuditAction.ApiKeyCreated, {
      feed: feedName,
      target: `key #${key.id}`,
      details: { type, displayName: key.displayName, user: key.user?.userName, permissions: key.feedPermissions },
    });
    return { ...toApiKeyInfo(key), key: secret };
  }

  /** Administer sees every key; anyone else their own personal keys. */
  async list(actor: Principal, includeRevoked: boolean): Promise<ApiKeyInfo[]> {
    if (await this.access.has(actor, Privilege.Administer)) {
      return (await this.apiKeys.listKeys({ includeRevoked })).map(toApiKeyInfo);
    }
    if (actor.userId === undefined) return [];
    return (await this.apiKeys.listKeys({ userId: actor.userId, includeRevoked })).map(toApiKeyInfo);
  }

  /**
   * Revoking: one's own personal key; a directory's feed key with Manage there (answered like any
   * directory privilege); anything else needs Administer.
   */
  async revoke(actor: Principal, id: number): Promise<void> {
    const key = await this.apiKeys.findKey(id);
    // Someone else's key answers exactly like a missing one: ids are sequential.
    const notFound = new AppError(ErrorCode.NotFound, `API key #${id} was not found.`);
    if (!key) throw this.access.objectNotFound(actor, notFound);
    const own = key.type === 'Personal' && key.userId !== null && key.userId === actor.userId;
    if (!own) {
      if (key.type === 'Feed' && key.feed)
        await this.access.requireOrNotFound(actor, Privilege.ManageFeed, key.feed, notFound);
      else await this.access.requireOrNotFound(actor, Privilege.Administer, undefined, notFound);
    }
    if (!(await this.apiKeys.revokeKey(id))) return; // already revoked
    await this.audit.record(actor, AuditAction.ApiKeyRevoked, {
      feed: key.feed?.name ?? null,
      target: `key #${id}`,
      details: { type: key.type, displayName: key.displayName },
    });
  }
}

function expiration(raw: string | undefined): Date | null {
  if (raw === undefined || raw === '') return null;
  const date = new Date(raw);
  if (Number.isNaN(date.getTime())) throw badRequest('"expiration" must be an ISO-8601 date and time.');
  return date;
}

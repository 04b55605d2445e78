import { Injectable } from '@nestjs/common';
import { ErrorCode, Privilege, PseudoGroup } from '@stockroom/contracts';
import type { Principal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { PrivilegesRepository } from './privileges.repository';
import { effectivePrivileges, feedKeyPrivileges } from './privilege-evaluation';

/** The scope of a check: a directory, or absent for global privileges. */
export interface FeedRef {
  id: number;
  name: string;
}

export function unauthorized(message: string): AppError {
  return new AppError(ErrorCode.Unauthorized, message, { authChallenge: 'basic' });
}

export function feedNotFound(name: string): AppError {
  return new AppError(ErrorCode.FeedNotFound, `Asset directory "${name}" was not found.`);
}

/**
 * The one place privileges are decided (spec §9). Each check is one SQL query (the rules that
 * apply to the caller), memoised for the rest of the request. Answers follow spec §6: anonymous
 * without the privilege → 401 + WWW-Authenticate; authenticated without it → 403; and a caller
 * who cannot view a directory is told it does not exist, exactly as if it did not.
 */
@Injectable()
export class AccessService {
  private readonly memo = new WeakMap<Principal, Map<number | null, Promise<Set<Privilege>>>>();

  constructor(private readonly rules: PrivilegesRepository) {}

  /** Privileges the actor holds on a directory (or globally, for `feed` undefined). */
  privileges(actor: Principal, feed?: FeedRef): Promise<Set<Privilege>> {
    if (actor.signedUrl) return Promise.resolve(signedUrlPrivileges(actor, feed));
    const feedId = feed?.id ?? null;
    let perActor = this.memo.get(actor);
    if (!perActor) this.memo.set(actor, (perActor = new Map()));
    let held = perActor.get(feedId);
    if (!held) {
      held = this.compute(actor, feedId);
      perActor.set(feedId, held);
      held.catch(() => perActor?.delete(feedId));
    }
    return held;
  }

  async has(actor: Principal, privilege: Privilege, feed?: FeedRef): Promise<boolean> {
    return (await this.privileges(actor, feed)).has(privilege);
  }

  async require(actor: Principal, privilege: Privilege, feed?: FeedRef): Promise<void> {
    const held = await this.privileges(actor, feed);
    if (held.has(privilege)) return;
    if (feed && !held.has(Privilege.View)) throw this.hidden(actor, feed.name);
    throw this.denied(actor, privilege);
  }

  /**
   * For an object addressed by a (sequential, guessable) id — an API key, a retention run or preview,
   * a storage move, a privilege rule: a caller without `privilege` on it gets `notFound`, the very answer
   * for an id that does not exist, so that probing ids reveals neither hidden directory names nor which
   * objects exist. `feed` undefined checks the global privilege. Anonymous callers are asked to sign in,
   * whether the object exists or not.
   */
  async requireOrNotFound(actor: Principal, privilege: Privilege, feed: FeedRef | undefined, notFound: AppError) {
    if (!(await this.has(actor, privilege, feed))) throw this.objectNotFound(actor, notFound);
  }

  /** The answer for an id that does not exist (see {@link requireOrNotFound}). */
  objectNotFound(actor: Principal, notFound: AppError): AppError {
    return actor.kind === 'anonymous' ? this.signInNeeded() : notFound;
  }

  /** The answer for a directory that does not exist, identical to one the caller cannot see. */
  async missing(actor: Principal, name: string): Promise<AppError> {
    if (actor.kind === 'anonymous' && !(await this.has(actor, Privilege.View))) return this.hidden(actor, name);
    return feedNotFound(name);
  }

  /** The subset of directories the actor may view, with one query for all of them. */
  async viewable<T extends FeedRef>(actor: Principal, feeds: T[]): Promise<T[]> {
    const held = await this.privilegesOnEach(actor, feeds);
    return feeds.filter((f) => held.get(f.id)?.has(Privilege.View));
  }

  /** Privileges the actor holds on each directory (by id), with at most one query for all of them. */
  async privilegesOnEach(actor: Principal, feeds: readonly FeedRef[]): Promise<Map<number, Set<Privilege>>> {
    const grant = actor.key?.grant;
    const held = new Map<number, Set<Privilege>>();
    if (actor.signedUrl) {
      for (const f of feeds) held.set(f.id, signedUrlPrivileges(actor, f));
    } else if (grant?.type === 'system') {
      for (const f of feeds) held.set(f.id, new Set(grant.privileges));
    } else if (grant?.type === 'feed') {
      for (const f of feeds)
        held.set(f.id, f.id === grant.feedId ? feedKeyPrivileges(grant.permissions) : new Set<Privilege>());
    } else if (feeds.length > 0) {
      const rules = await this.rules.applicableRules(actor.userId, pseudoGroupsOf(actor), null);
      for (const f of feeds) held.set(f.id, effectivePrivileges(rules, f.id));
    }
    return held;
  }

  private async compute(actor: Principal, feedId: number | null): Promise<Set<Privilege>> {
    const grant = actor.key?.grant;
    if (grant?.type === 'system') return new Set(grant.privileges);
    if (grant?.type === 'feed') return grant.feedId === feedId ? feedKeyPrivileges(grant.permissions) : new Set();
    const rules = await this.rules.applicableRules(
      actor.userId,
      pseudoGroupsOf(actor),
      feedId === null ? [] : [feedId],
    );
    return effectivePrivileges(rules, feedId);
  }

  private hidden(actor: Principal, name: string): AppError {
    return actor.kind === 'anonymous' ? this.signInNeeded() : feedNotFound(name);
  }

  private denied(actor: Principal, privilege: Privilege): AppError {
    if (actor.kind === 'anonymous') return this.signInNeeded();
    return new AppError(ErrorCode.Forbidden, `${actor.name} lacks the ${privilege} privilege here.`);
  }

  private signInNeeded(): AppError {
    return unauthorized('Authentication required: send an API key (X-ApiKey) or a user name and password.');
  }
}

/** A signed URL reads its one directory (the path is checked where the file is served), nothing else. */
function signedUrlPrivileges(actor: Principal, feed?: FeedRef): Set<Privilege> {
  return feed && feed.name.toLowerCase() === actor.signedUrl?.feed
    ? new Set([Privilege.View, Privilege.Download])
    : new Set<Privilege>();
}

function pseudoGroupsOf(actor: Principal): PseudoGroup[] {
  return actor.kind === 'anonymous'
    ? [PseudoGroup.Anonymous, PseudoGroup.Everyone]
    : [PseudoGroup.Authenticated, PseudoGroup.Everyone];
}

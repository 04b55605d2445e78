import { ErrorCode, Privilege } from '@stockroom/contracts';
import { randomUUID } from 'node:crypto';
import { ADMIN_KEY, createServiceModule, ServiceModule } from '../../../test/support/service-module';
import { anonymous, Principal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { CoherentCache } from '../../database/coherent-cache.service';
import type { FeedEntity } from '../feeds/feed.entity';
import { FeedsService } from '../feeds/feeds.service';
import { AccessService } from './access.service';
import { ApiKeysService } from './api-keys.service';
import { AuthenticationService } from './authentication.service';
import { PrivilegesService } from './privileges.service';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

const { View, Download, Add, Overwrite, Delete, ShareAsset, ManageFeed, Administer } = Privilege;

/**
 * Spec §9 precedence and spec §6 answers, decided by AccessService from rules stored in
 * PostgreSQL (made through PrivilegesService, as the API makes them), without HTTP.
 */
describe('AccessService (PostgreSQL)', () => {
  let s: ServiceModule;
  let access: AccessService;
  let privileges: PrivilegesService;

  beforeAll(async () => {
    s = await createServiceModule();
    access = s.module.get(AccessService);
    privileges = s.module.get(PrivilegesService);
    // An administrator user, as on every server: deny rules may not take the last one's Administer.
    await s.module.get(UsersService).createUser(ADMIN_KEY, { userName: 'Admin', password: 'a-long-password-1' });
    await privileges.createRule(ADMIN_KEY, { principalType: 'user', principalName: 'Admin', role: 'Administer' });
  });
  afterAll(() => s?.close());

  const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
  const newFeed = async (): Promise<FeedEntity> => {
    const name = unique('acc');
    await s.module.get(FeedsService).create(ADMIN_KEY, { name, feedType: 'asset' });
    return s.module.get(FeedsService).requireFor(ADMIN_KEY, View, name);
  };
  const newGroup = async (): Promise<string> => {
    const name = unique('group');
    await s.module.get(UsersService).createGroup(ADMIN_KEY, { name });
    return name;
  };
  const newUser = async (groups: string[] = []): Promise<string> => {
    const userName = unique('user');
    await s.module.get(UsersService).createUser(ADMIN_KEY, { userName, password: 'a-long-password-1', groups });
    return userName;
  };
  /** A signed-in user as the guard makes one: a fresh object per call (privileges are memoised per principal). */
  const asUser = async (name: string): Promise<Principal> => {
    const user = await s.module.get(UsersRepository).findUser(name);
    if (!user) throw new Error(`no user ${name}`);
    return { kind: 'user', name, userId: user.id, credential: 'password', address: '127.0.0.1' };
  };
  const rule = async (
    principalType: 'user' | 'group' | 'pseudo',
    principalName: string,
    role: string,
    feed: FeedEntity | null,
    deny = false,
  ) => {
    const created = await privileges.createRule(ADMIN_KEY, {
      principalType,
      principalName,
      role,
      feed: feed?.name,
      deny,
    });
    // What the /api interceptor does after every write request: the next request sees the rule.
    s.module.get(CoherentCache).invalidate();
    return created;
  };
  const held = async (actor: Principal | string, feed?: FeedEntity): Promise<Privilege[]> => {
    const principal = typeof actor === 'string' ? await asUser(actor) : { ...actor };
    return [...(await access.privileges(principal, feed))].sort();
  };
  const sorted = (...p: Privilege[]) => [...p].sort();

  it('a directory rule beats a global one, whoever it names', async () => {
    const a = await newFeed();
    const b = await newFeed();
    const manager = await newUser();
    await rule('user', manager, 'Manage Feed', null);
    await rule('user', manager, 'Publish', a, true);
    // On a: View, Download and Add denied there; Overwrite, Delete and Manage still from the global rule.
    expect(await held(manager, a)).toEqual(sorted(Overwrite, Delete, ShareAsset, ManageFeed));
    expect(await held(manager, b)).toEqual(sorted(View, Download, Add, Overwrite, Delete, ShareAsset, ManageFeed));
    await expect(access.require(await asUser(manager), Add, a)).rejects.toMatchObject({
      code: ErrorCode.FeedNotFound, // without View the directory is hidden, not forbidden
    });

    // Even a pseudo-group's rule on the directory beats the user's own global deny.
    const denied = await newUser();
    await rule('user', denied, 'View & Download', null, true);
    await rule('pseudo', 'Authenticated', 'View & Download', a);
    expect(await held(denied, a)).toEqual(sorted(View, Download));
    expect(await held(denied, b)).toEqual([]);
    await expect(access.require(await asUser(denied), Download, b)).rejects.toMatchObject({
      code: ErrorCode.FeedNotFound,
    });
    await expect(access.require(await asUser(denied), Download, a)).resolves.toBeUndefined();
  });

  it('at the same scope the user’s rule beats the group’s, which beats the pseudo-group’s', async () => {
    const feed = await newFeed();
    const team = await newGroup();
    const member = await newUser([team]);
    const outsider = await newUser();
    await rule('pseudo', 'Authenticated', 'Publish', feed);
    await rule('group', team, 'Publish', feed, true);
    expect(await held(outsider, feed)).toEqual(sorted(View, Download, Add));
    expect(await held(member, feed)).toEqual([]);

    await rule('user', member, 'View & Download', feed);
    expect(await held(member, feed)).toEqual(sorted(View, Download)); // Add: still the group's deny
    expect(await access.has(await asUser(member), Download, feed)).toBe(true);
    await expect(access.require(await asUser(member), Add, feed)).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
    });
  });

  it('at equal specificity a deny wins over an allow', async () => {
    const feed = await newFeed();
    const allowing = await newGroup();
    const denying = await newGroup();
    const both = await newUser([allowing, denying]);
    await rule('group', allowing, 'Publish', feed);
    await rule('group', denying, 'View & Download', feed, true);
    expect(await held(both, feed)).toEqual([Add]);

    const self = await newUser();
    await rule('user', self, 'Manage Feed', feed);
    await rule('user', self, 'Publish', feed, true);
    expect(await held(self, feed)).toEqual(sorted(Overwrite, Delete, ShareAsset, ManageFeed));

    // The same with the roles the other way round (whichever order the rules are read in).
    const other = await newUser();
    await rule('user', other, 'View & Download', feed);
    await rule('user', other, 'Publish', feed, true);
    expect(await held(other, feed)).toEqual([]);
  });

  it('Anonymous rules apply to anonymous callers only, Authenticated ones to signed-in callers only', async () => {
    const open = await newFeed();
    const members = await newFeed();
    await rule('pseudo', 'Anonymous', 'View & Download', open);
    await rule('pseudo', 'Authenticated', 'Publish', members);
    const user = await newUser();

    expect(await held(anonymous('127.0.0.1'), open)).toEqual(sorted(View, Download));
    expect(await held(anonymous('127.0.0.1'), members)).toEqual([]);
    expect(await held(user, open)).toEqual([]);
    expect(await held(user, members)).toEqual(sorted(View, Download, Add));

    // Anonymous without the privilege is asked to sign in, hidden directory or not.
    for (const [privilege, feed] of [
      [Add, open],
      [View, members],
    ] as const) {
      await expect(access.require(anonymous('127.0.0.1'), privilege, feed)).rejects.toMatchObject({
        code: ErrorCode.Unauthorized,
      });
    }
    await expect(access.require(await asUser(user), View, open)).rejects.toMatchObject({
      code: ErrorCode.FeedNotFound,
    });
    await expect(access.require(await asUser(user), Overwrite, members)).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
    });

    // Everyone is both.
    const shared = await newFeed();
    await rule('pseudo', 'Everyone', 'View & Download', shared);
    expect(await held(anonymous('127.0.0.1'), shared)).toEqual(sorted(View, Download));
    expect(await held(user, shared)).toEqual(sorted(View, Download));
  });

  it('a feed API key holds its permissions on its directory only, whatever the rules say', async () => {
    const own = await newFeed();
    const other = await newFeed();
    await rule('pseudo', 'Authenticated', 'Manage Feed', other);
    await rule('pseudo', 'Everyone', 'Manage Feed', other);
    const created = await s.module.get(ApiKeysService).create(ADMIN_KEY, {
      type: 'Feed',
      feed: own.name,
      packagePermissions: ['view', 'add'],
    });
    const asKey = async () =>
      (
        await s.module.get(AuthenticationService).authenticate({
          credential: { kind: 'key', key: created.key as string, via: 'x-apikey' },
          address: '127.0.0.1',
        })
      ).principal;

    expect(await held(await asKey(), own)).toEqual(sorted(View, Download, Add));
    expect(await held(await asKey(), other)).toEqual([]);
    expect(await held(await asKey())).toEqual([]);
    await expect(access.require(await asKey(), Overwrite, own)).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
    });
    await expect(access.require(await asKey(), View, other)).rejects.toMatchObject({
      code: ErrorCode.FeedNotFound,
    });
    await expect(access.require(await asKey(), Administer)).rejects.toMatchObject({ code: ErrorCode.Forbidden });
  });

  it('requireOrNotFound: the caller’s own not-found for an object on a directory it cannot view', async () => {
    const feed = await newFeed();
    const viewer = await newUser();
    const stranger = await newUser();
    const manager = await newUser();
    await rule('user', viewer, 'View & Download', feed);
    await rule('user', manager, 'Manage Feed', feed);
    const notFound = new AppError(ErrorCode.NotFound, 'Rule #12345 was not found.');

    for (const caller of [stranger, viewer]) {
      await expect(access.requireOrNotFound(await asUser(caller), ManageFeed, feed, notFound)).rejects.toBe(notFound);
    }
    await expect(access.requireOrNotFound(anonymous('127.0.0.1'), ManageFeed, feed, notFound)).rejects.toMatchObject({
      code: ErrorCode.Unauthorized,
    });
    await expect(access.requireOrNotFound(await asUser(manager), ManageFeed, feed, notFound)).resolves.toBeUndefined();

    // Through a service that uses it: a rule on a directory the caller cannot see answers exactly
    // as an id that does not exist.
    const target = await rule('pseudo', 'Everyone', 'View & Download', feed);
    const missingId = target.id + 100_000;
    const refusal = async (id: number) => {
      const error = await privileges.deleteRule(await asUser(stranger), id).then(
        () => undefined,
        (e: unknown) => e,
      );
      return { code: (error as AppError).code, message: (error as AppError).message.replace(String(id), '#') };
    };
    await rule('user', stranger, 'View & Download', feed, true); // Everyone's view is not the stranger's
    expect(await refusal(target.id)).toEqual(await refusal(missingId));
    expect((await refusal(target.id)).code).toBe(ErrorCode.NotFound);
    expect((await privileges.listRules(ADMIN_KEY, feed.name)).map((r) => r.id)).toContain(target.id);
  });
});

import type { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ErrorCode } from '@stockroom/contracts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-database';
import { AppModule } from '../../app.module';
import type { Principal } from '../../common/auth/principal';
import { loadConfig } from '../../config/app-config';
import { CoherentCache } from '../../database/coherent-cache.service';
import { PrivilegesService } from '../security/privileges.service';
import { UsersRepository } from '../security/users.repository';
import { UsersService } from '../security/users.service';
import { FeedsService } from './feeds.service';

/**
 * The feed rules on the service itself, on a real PostgreSQL (no HTTP): create, partial update,
 * rename, delete, and who may do which. Inputs are the typed DTOs the edge hands over.
 */
describe('FeedsService (PostgreSQL)', () => {
  let db: TestDatabase;
  let dataDir: string;
  let app: INestApplicationContext;
  let feeds: FeedsService;
  let admin: Principal;
  let manager: Principal;

  /** A fresh principal per call, as per request: AccessService memoises privileges per principal. */
  const request = (p: Principal): Principal => ({ ...p });
  const asUser = async (name: string): Promise<Principal> => {
    const user = await app.get(UsersRepository).findUser(name);
    return { kind: 'user', name, userId: user?.id, credential: 'password', address: '127.0.0.1' };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'stockroom-feeds-int-'));
    const config = loadConfig({ STOCKROOM_DATA_DIR: dataDir, STOCKROOM_ADMIN_PASSWORD: 'int-admin-password' });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config, db.url)] }).compile();
    app = await moduleRef.init();
    feeds = app.get(FeedsService);
    admin = await asUser('Admin');
    await app.get(UsersService).createUser(admin, { userName: 'manager', password: 'manager-password' });
    manager = await asUser('manager');
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('create: defaults for what is left out; names are unique whatever their case', async () => {
    const created = await feeds.create(admin, { name: 'Tools', feedType: 'ASSET' });
    expect(created).toMatchObject({
      name: 'Tools',
      feedType: 'asset',
      description: '',
      active: true,
      retentionRules: [],
      retentionRulesEnabled: false,
      retentionDryRun: false,
      inlineContent: false,
    });
    await expect(feeds.create(admin, { name: 'tools', feedType: 'asset' })).rejects.toMatchObject({
      code: ErrorCode.AlreadyExists,
    });
    expect((await feeds.get(admin, 'TOOLS')).name).toBe('Tools');
  });

  it('create: refuses bad names, other feed types, and callers without Administer', async () => {
    await expect(feeds.create(admin, { name: '-bad', feedType: 'asset' })).rejects.toMatchObject({
      code: ErrorCode.BadRequest,
      message: expect.stringContaining('Invalid directory name "-bad"'),
    });
    await expect(feeds.create(admin, { name: 'pkgs', feedType: 'nuget' })).rejects.toMatchObject({
      code: ErrorCode.BadRequest,
      message: expect.stringContaining('Unsupported feedType "nuget"'),
    });
    await expect(feeds.create(request(manager), { name: 'mine', feedType: 'asset' })).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
    });
    expect((await feeds.list(admin)).map((f) => f.name)).not.toContain('mine');
  });

  it('update is partial: fields left out (or null) keep their value; null rules clear them', async () => {
    await feeds.create(admin, {
      name: 'partial',
      feedType: 'asset',
      description: 'first',
      retentionRules: [{ deleteOlderThanDays: 30 }],
      retentionRulesEnabled: true,
    });
    const updated = await feeds.update(admin, 'partial', { active: false, description: undefined });
    expect(updated).toMatchObject({
      description: 'first',
      active: false,
      retentionRules: [{ deleteOlderThanDays: 30 }],
      retentionRulesEnabled: true,
    });
    // The edge turns `"retentionRules": null` into [] (ProGet: "supply null or an empty array").
    expect((await feeds.update(admin, 'partial', { retentionRules: [] })).retentionRules).toEqual([]);
    expect((await feeds.get(admin, 'partial')).retentionRulesEnabled).toBe(true);
  });

  it('rename: the new name answers, the old one is gone, and a name in use (any case) is refused', async () => {
    await feeds.create(admin, { name: 'before', feedType: 'asset' });
    await feeds.create(admin, { name: 'Taken', feedType: 'asset' });
    await expect(feeds.update(admin, 'before', { name: 'TAKEN' })).rejects.toMatchObject({
      code: ErrorCode.AlreadyExists,
    });
    await expect(feeds.update(admin, 'before', { name: 'not valid!' })).rejects.toMatchObject({
      code: ErrorCode.BadRequest,
    });
    expect((await feeds.update(admin, 'before', { name: 'after' })).name).toBe('after');
    expect((await feeds.get(admin, 'after')).name).toBe('after');
    await expect(feeds.get(admin, 'before')).rejects.toMatchObject({ code: ErrorCode.FeedNotFound });
    // A change of case only is a rename of the same directory, not a clash with itself.
    expect((await feeds.update(admin, 'after', { name: 'After' })).name).toBe('After');
  });

  it('a directory manager may update it, but not switch inline content (Administer only)', async () => {
    await feeds.create(admin, { name: 'managed', feedType: 'asset' });
    await expect(feeds.update(request(manager), 'managed', { description: 'x' })).rejects.toMatchObject({
      code: ErrorCode.FeedNotFound, // not viewable yet: answered like a missing one
    });
    await app.get(PrivilegesService).createRule(admin, {
      principalType: 'user',
      principalName: 'manager',
      role: 'Manage Feed',
      feed: 'managed',
    });
    // What the /api interceptor does after every write request (the next request sees the grant).
    app.get(CoherentCache).invalidate();
    expect((await feeds.update(request(manager), 'managed', { description: 'x' })).description).toBe('x');
    // Sending the current value is fine; changing it is not.
    expect((await feeds.update(request(manager), 'managed', { inlineContent: false })).inlineContent).toBe(false);
    await expect(feeds.update(request(manager), 'managed', { inlineContent: true })).rejects.toMatchObject({
      code: ErrorCode.Forbidden,
    });
    expect((await feeds.update(admin, 'managed', { inlineContent: true })).inlineContent).toBe(true);
  });

  it('delete: the directory is gone for everyone; deleting it again answers not found', async () => {
    await feeds.create(admin, { name: 'doomed', feedType: 'asset' });
    await feeds.delete(admin, 'doomed');
    await expect(feeds.get(admin, 'doomed')).rejects.toMatchObject({ code: ErrorCode.FeedNotFound });
    expect((await feeds.list(admin)).map((f) => f.name)).not.toContain('doomed');
    await expect(feeds.delete(admin, 'doomed')).rejects.toMatchObject({ code: ErrorCode.FeedNotFound });
    await expect(feeds.delete(request(manager), 'managed')).resolves.toBeUndefined();
  });
});

import { ErrorCode } from '@stockroom/contracts';
import { ADMIN_KEY, createServiceModule, ServiceModule } from '../../../test/support/service-module';
import { AppError } from '../../common/errors/app-error';
import { ExternalIdentitiesService, type ExternalIdentity } from './external-identities.service';
import { PrivilegesService } from './privileges.service';
import { UsersService } from './users.service';

/** Just-in-time users and read-only external groups (issue 19): the refusals, on a real database. */
describe('ExternalIdentitiesService', () => {
  let s: ServiceModule;
  let identities: ExternalIdentitiesService;
  let users: UsersService;

  const ldap = (userName: string, groups: string[] = [], dn = `uid=${userName},ou=people,dc=x`): ExternalIdentity => ({
    source: 'ldap',
    externalId: dn,
    userName,
    displayName: `${userName} (LDAP)`,
    email: `${userName}@x`,
    groups,
  });
  const oidc = (userName: string, groups: string[] = [], sub = userName): ExternalIdentity => ({
    source: 'oidc',
    externalId: `https://idp.x|${sub}`,
    userName,
    groups,
  });
  const refusal = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
    } catch (e) {
      if (e instanceof AppError && e.code === ErrorCode.Forbidden) return e.message;
      throw e;
    }
    throw new Error('expected a refusal');
  };

  beforeAll(async () => {
    s = await createServiceModule();
    identities = s.module.get(ExternalIdentitiesService);
    users = s.module.get(UsersService);
    await users.createUser(ADMIN_KEY, { userName: 'boss', password: 'boss-password-1' });
    await s.module.get(PrivilegesService).createRule(ADMIN_KEY, {
      principalType: 'user',
      principalName: 'boss',
      role: 'Administer',
    });
    await users.createGroup(ADMIN_KEY, { name: 'Builders', members: [] });
  });
  afterAll(() => s?.close());

  it('creates a user at first sign-in and updates them at the next, keeping the groups in sync', async () => {
    const first = await identities.signIn(ldap('gina', ['alpha', 'beta']), '10.0.0.1');
    expect(first).toMatchObject({ userName: 'gina', source: 'ldap', externalId: 'uid=gina,ou=people,dc=x' });
    expect(await users.getUser('gina')).toMatchObject({ source: 'ldap', groups: ['alpha', 'beta'], email: 'gina@x' });
    const again = await identities.signIn({ ...ldap('gina', ['beta', 'gamma']), email: 'new@x' }, '10.0.0.1');
    expect(again.id).toBe(first.id);
    expect(await users.getUser('gina')).toMatchObject({ groups: ['beta', 'gamma'], email: 'new@x' });
    expect(await users.getGroup('alpha')).toMatchObject({ source: 'ldap', members: [] });
  });

  it('skips (never joins) groups named like built-in, pseudo- or another source’s groups', async () => {
    await identities.signIn(oidc('hank', ['oidc-team']), '10.0.0.1');
    const user = await identities.signIn(
      ldap('ivan', ['Builders', 'everyone', 'AUTHENTICATED', 'Anonymous', 'oidc-team', 'bad:name', 'ok-team']),
      '10.0.0.1',
    );
    expect((await users.getUser(user.userName)).groups).toEqual(['ok-team']);
    expect((await users.getGroup('Builders')).members).toEqual([]);
    expect((await users.getGroup('oidc-team')).members).toEqual(['hank']);
  });

  it('refuses a name taken by another source, or by another OIDC subject: never merged', async () => {
    expect(await refusal(identities.signIn(ldap('boss'), '10.0.0.1'))).toContain('built-in user');
    expect(await refusal(identities.signIn(oidc('gina'), '10.0.0.1'))).toContain('never merged');
    expect(await refusal(identities.signIn(ldap('hank'), '10.0.0.1'))).toContain('never merged');
    expect(await refusal(identities.signIn(oidc('hank', [], 'another-subject'), '10.0.0.1'))).toContain('another');
    // An LDAP entry that moved (a new DN, same name) keeps its account.
    const moved = await identities.signIn(ldap('gina', [], 'uid=gina,ou=moved,dc=x'), '10.0.0.1');
    expect(moved.externalId).toBe('uid=gina,ou=moved,dc=x');
  });

  it('refuses disabled users', async () => {
    await users.updateUser(ADMIN_KEY, 'gina', { enabled: false });
    expect(await refusal(identities.signIn(ldap('gina', [], 'uid=gina,ou=moved,dc=x'), '10.0.0.1'))).toContain(
      'disabled',
    );
  });

  it('keeps the last administrator: a sign-in that would take Administer from the last holder is refused', async () => {
    await identities.signIn(ldap('judy', ['admins']), '10.0.0.1');
    await s.module.get(PrivilegesService).createRule(ADMIN_KEY, {
      principalType: 'group',
      principalName: 'admins',
      role: 'Administer',
    });
    await users.deleteUser(ADMIN_KEY, 'boss');
    expect(await refusal(identities.signIn(ldap('judy', []), '10.0.0.1'))).toContain('Administer');
    expect((await users.getUser('judy')).groups).toEqual(['admins']);
  });

  it('the built-in endpoints keep external memberships and passwords read-only', async () => {
    await expect(users.updateGroup(ADMIN_KEY, 'ok-team', { members: [] })).rejects.toThrow(/LDAP/);
    await expect(users.updateUser(ADMIN_KEY, 'ivan', { password: 'a-new-password-1' })).rejects.toThrow(/LDAP/);
    await expect(users.updateUser(ADMIN_KEY, 'ivan', { groups: [] })).rejects.toThrow(/ok-team/);
    expect(await users.updateUser(ADMIN_KEY, 'ivan', { groups: ['ok-team', 'Builders'] })).toMatchObject({
      groups: ['Builders', 'ok-team'],
    });
  });
});

import { Privilege, PseudoGroup } from '@stockroom/contracts';
import { ADMIN_KEY, createServiceModule, ServiceModule } from '../../../test/support/service-module';
import { FeedsService } from '../feeds/feeds.service';
import { PrivilegesService } from './privileges.service';
import { PrivilegesRepository } from './privileges.repository';

/** Rule listings name their directories through the feeds module (no join on its table). */
describe('PrivilegesService rule listings', () => {
  let s: ServiceModule;
  let privileges: PrivilegesService;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    s = await createServiceModule();
    privileges = s.module.get(PrivilegesService);
    const feeds = s.module.get(FeedsService);
    const security = s.module.get(PrivilegesRepository);
    const role = await security.findRole('View & Download');
    if (!role) throw new Error('the built-in role is missing');
    await s.dataSource.query(`DELETE FROM privilege_rules WHERE pseudo_group = $1`, [PseudoGroup.Anonymous]);
    const grant = async (feed: string | null) => {
      let feedId: number | null = null;
      if (feed) {
        await feeds.create(ADMIN_KEY, { name: feed, feedType: 'asset' });
        feedId = (await feeds.requireFor(ADMIN_KEY, Privilege.View, feed)).id;
        ids[feed] = feedId;
      }
      return security.insertRule({
        userId: null,
        groupId: null,
        pseudoGroup: PseudoGroup.Anonymous,
        roleId: role.id,
        feedId,
        deny: false,
      });
    };
    // Created out of order: the listing sorts global rules first, then by directory name (case aside).
    for (const feed of ['Zeta', 'alpha', null, 'Beta']) await grant(feed);
  });
  afterAll(() => s?.close());

  it('lists every rule with its directory’s name, global ones first, then by directory', async () => {
    const rules = (await privileges.listRules(ADMIN_KEY, undefined)).filter(
      (r) => r.principalName === PseudoGroup.Anonymous,
    );
    expect(rules.map((r) => r.feed)).toEqual([null, 'alpha', 'Beta', 'Zeta']);
    expect(rules[1]).toEqual({
      id: expect.any(Number),
      principalType: 'pseudo',
      principalName: 'Anonymous',
      role: 'View & Download',
      feed: 'alpha',
      deny: false,
    });
    expect(Object.keys(rules[1])).toEqual(['id', 'principalType', 'principalName', 'role', 'feed', 'deny']);
  });

  it('lists one directory’s rules under its current name', async () => {
    const feeds = s.module.get(FeedsService);
    await feeds.update(ADMIN_KEY, 'Beta', { name: 'Gamma' });
    const rules = await privileges.listRules(ADMIN_KEY, 'Gamma');
    expect(rules.map((r) => [r.feed, r.principalName])).toEqual([['Gamma', 'Anonymous']]);
  });
});

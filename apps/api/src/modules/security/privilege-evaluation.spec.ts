import { Privilege } from '@stockroom/contracts';
import { ApplicableRule, effectivePrivileges, feedKeyPrivileges, systemKeyPrivileges } from './privilege-evaluation';

const { View, Download, Add, Overwrite, Delete, ShareAsset, ManageFeed, Administer } = Privilege;
const USER = 2;
const GROUP = 1;
const PSEUDO = 0;

const rule = (privileges: Privilege[], principalRank: number, feedId: number | null, deny = false): ApplicableRule => ({
  privileges,
  principalRank,
  feedId,
  deny,
});

const held = (rules: ApplicableRule[], feedId: number | null) => [...effectivePrivileges(rules, feedId)].sort();

describe('effectivePrivileges (spec §9 precedence)', () => {
  it('holds nothing without rules', () => {
    expect(held([], 1)).toEqual([]);
    expect(held([], null)).toEqual([]);
  });

  it('applies global rules everywhere and directory rules only there', () => {
    const rules = [rule([View], PSEUDO, null), rule([Download], USER, 7)];
    expect(held(rules, 7)).toEqual([Download, View].sort());
    expect(held(rules, 8)).toEqual([View]);
    expect(held(rules, null)).toEqual([View]);
  });

  it('a directory rule beats a global one, either way', () => {
    expect(held([rule([View], USER, null, true), rule([View], PSEUDO, 7)], 7)).toEqual([View]);
    expect(held([rule([View], USER, null), rule([View], PSEUDO, 7, true)], 7)).toEqual([]);
  });

  it('at the same scope, user beats group beats pseudo-group', () => {
    expect(held([rule([View], GROUP, 7), rule([View], USER, 7, true)], 7)).toEqual([]);
    expect(held([rule([View], GROUP, 7, true), rule([View], USER, 7)], 7)).toEqual([View]);
    expect(held([rule([View], PSEUDO, 7, true), rule([View], GROUP, 7)], 7)).toEqual([View]);
  });

  it('at equal specificity deny wins', () => {
    expect(held([rule([View, Download], GROUP, 7), rule([Download], GROUP, 7, true)], 7)).toEqual([View]);
  });

  it('decides each privilege on its own', () => {
    const rules = [rule([View, Download, Add], GROUP, 7), rule([Add], USER, 7, true), rule([Delete], USER, null)];
    expect(held(rules, 7)).toEqual([Delete, Download, View].sort());
  });
});

describe('key grants', () => {
  it('maps ProGet feed-key permissions; delete covers overwrite', () => {
    expect([...feedKeyPrivileges(['view'])].sort()).toEqual([Download, View].sort());
    expect([...feedKeyPrivileges(['add'])]).toEqual([Add]);
    expect([...feedKeyPrivileges(['delete'])].sort()).toEqual([Delete, Overwrite].sort());
    expect([...feedKeyPrivileges(['promote'])]).toEqual([]);
  });

  it('system keys: full control unless limited to feed APIs', () => {
    expect(systemKeyPrivileges([])).toContain(Administer);
    expect(systemKeyPrivileges(['Full-Control'])).toContain(Administer);
    expect(systemKeyPrivileges(['feeds'])).toEqual([View, Download, Add, Overwrite, Delete, ShareAsset, ManageFeed]);
    expect(systemKeyPrivileges(['sca'])).toEqual([]);
  });
});

import { escapeFilterValue, fillFilter, userNameAttribute } from './ldap-filter';

describe('LDAP filters (RFC 4515)', () => {
  it('escapes the five special characters', () => {
    expect(escapeFilterValue('*')).toBe('\\2a');
    expect(escapeFilterValue('(')).toBe('\\28');
    expect(escapeFilterValue(')')).toBe('\\29');
    expect(escapeFilterValue('\\')).toBe('\\5c');
    expect(escapeFilterValue('\0')).toBe('\\00');
    expect(escapeFilterValue('admin)(uid=*')).toBe('admin\\29\\28uid=\\2a');
    expect(escapeFilterValue("o'brien (ops)*")).toBe("o'brien \\28ops\\29\\2a");
  });

  it('leaves other characters (UTF-8 included) as they are', () => {
    expect(escapeFilterValue('zoë.müller-1_x')).toBe('zoë.müller-1_x');
  });

  it('fills every placeholder with escaped values', () => {
    expect(fillFilter('(|(uid={username})(mail={username}))', { username: '*' })).toBe('(|(uid=\\2a)(mail=\\2a))');
    expect(fillFilter('(member:1.2.840.113556.1.4.1941:={dn})', { dn: 'cn=a\\,b,dc=x' })).toBe(
      '(member:1.2.840.113556.1.4.1941:=cn=a\\5c,b,dc=x)',
    );
  });

  it('finds the attribute the user filter compares', () => {
    expect(userNameAttribute('(uid={username})')).toBe('uid');
    expect(userNameAttribute('(&(objectClass=user)(sAMAccountName={username}))')).toBe('sAMAccountName');
    expect(userNameAttribute('(|(a={username})(b=x))')).toBe('a');
  });
});

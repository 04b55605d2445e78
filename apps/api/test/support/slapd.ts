import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO_ROOT = resolve(__dirname, '../../../..');

export const LDAP_SUFFIX = 'dc=example,dc=org';
export const LDAP_PEOPLE = `ou=people,${LDAP_SUFFIX}`;
export const LDAP_GROUPS = `ou=groups,${LDAP_SUFFIX}`;
export const LDAP_ROOT_DN = `cn=admin,${LDAP_SUFFIX}`;
export const LDAP_ROOT_PASSWORD = 'directory-root-secret';

/** A person of the generated tree: uid, password, display name (cn), e-mail. */
export interface LdapPerson {
  uid: string;
  password: string;
  cn: string;
  mail?: string;
}

/** A group (groupOfNames): members are uids of people or cns of other groups. */
export interface LdapGroup {
  cn: string;
  people?: string[];
  groups?: string[];
}

export const personDn = (uid: string) => `uid=${escapeDnValue(uid)},${LDAP_PEOPLE}`;
export const groupDn = (cn: string) => `cn=${escapeDnValue(cn)},${LDAP_GROUPS}`;

/** RFC 4514: the characters a DN value escapes (enough for the names of these tests). */
function escapeDnValue(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`).replace(/^[ #]/, (c) => `\\${c}`);
}

/** An LDIF value: base64 (`attr:: …`) when it is not safe as is. */
function ldifLine(attribute: string, value: string): string {
  const safe = /^[\x21-\x39\x3b\x3d-\x7e][\x20-\x7e]*$/.test(value) && !value.endsWith(' ');
  return safe ? `${attribute}: ${value}` : `${attribute}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}

/**
 * A private OpenLDAP `slapd` (Debian's package; scripts/ensure-ldap.sh installs it when missing) on a
 * free port in a temporary folder, loaded with a generated tree: `ou=people` (inetOrgPerson with a
 * cleartext userPassword, which slapd checks on bind) and `ou=groups` (groupOfNames, groups may be
 * members of groups). Stopped (its pid file) by {@link Slapd.stop}.
 */
export class Slapd {
  port = 0;
  /** With `tls`: the ldaps:// port (the ldap:// one offers StartTLS). */
  tlsPort = 0;
  /** With `tls`: the PEM of the CA that signed the server's certificate (for 127.0.0.1). */
  caFile = '';
  private dir = '';

  get url(): string {
    return `ldap://127.0.0.1:${this.port}`;
  }

  /** The server's STOCKROOM_LDAP_* settings for this directory (service account: the root DN). */
  env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      STOCKROOM_LDAP_URL: this.url,
      STOCKROOM_LDAP_BIND_DN: LDAP_ROOT_DN,
      STOCKROOM_LDAP_BIND_PASSWORD: LDAP_ROOT_PASSWORD,
      STOCKROOM_LDAP_USER_BASE: LDAP_PEOPLE,
      STOCKROOM_LDAP_GROUP_BASE: LDAP_GROUPS,
      ...overrides,
    };
  }

  static async start(people: LdapPerson[], groups: LdapGroup[], options: { tls?: boolean } = {}): Promise<Slapd> {
    execFileSync('bash', [join(REPO_ROOT, 'scripts', 'ensure-ldap.sh')], { stdio: 'inherit' });
    const slapd = new Slapd();
    await slapd.boot(people, groups, options.tls ?? false);
    return slapd;
  }

  /** A CA and a certificate for 127.0.0.1 signed by it (openssl). */
  private async makeCertificates(): Promise<string[]> {
    const d = this.dir;
    const ssl = (...args: string[]) => run('openssl', args);
    await ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=Stockroom test CA',
      '-keyout',
      join(d, 'ca.key'),
      '-out',
      join(d, 'ca.pem'),
    );
    await ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      join(d, 'server.key'),
      '-out',
      join(d, 'server.csr'),
    );
    await writeFile(join(d, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    await ssl(
      'x509',
      '-req',
      '-in',
      join(d, 'server.csr'),
      '-CA',
      join(d, 'ca.pem'),
      '-CAkey',
      join(d, 'ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      join(d, 'san.ext'),
      '-out',
      join(d, 'server.pem'),
    );
    this.caFile = join(d, 'ca.pem');
    return [
      `TLSCACertificateFile ${join(d, 'ca.pem')}`,
      `TLSCertificateFile ${join(d, 'server.pem')}`,
      `TLSCertificateKeyFile ${join(d, 'server.key')}`,
    ];
  }

  private async boot(people: LdapPerson[], groups: LdapGroup[], tls: boolean): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'stockroom-slapd-'));
    await run('mkdir', ['-p', join(this.dir, 'db')]);
    const tlsLines = tls ? await this.makeCertificates() : [];
    const { stdout: rootHash } = await run('slappasswd', ['-s', LDAP_ROOT_PASSWORD]);
    const conf = [
      ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include /etc/ldap/schema/${s}.schema`),
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      `pidfile ${join(this.dir, 'slapd.pid')}`,
      `argsfile ${join(this.dir, 'slapd.args')}`,
      ...tlsLines,
      'database mdb',
      'maxsize 67108864',
      `suffix "${LDAP_SUFFIX}"`,
      `rootdn "${LDAP_ROOT_DN}"`,
      `rootpw ${rootHash.trim()}`,
      `directory ${join(this.dir, 'db')}`,
      // Passwords are for binds only; everything else may be read by the service account (and anyone).
      'access to attrs=userPassword by self read by anonymous auth by * none',
      'access to * by * read',
      '',
    ].join('\n');
    await writeFile(join(this.dir, 'slapd.conf'), conf);
    await writeFile(join(this.dir, 'tree.ldif'), treeLdif(people, groups));
    await run('slapadd', ['-f', join(this.dir, 'slapd.conf'), '-l', join(this.dir, 'tree.ldif')]);
    this.port = await freePort();
    if (tls) this.tlsPort = await freePort();
    const urls = tls ? `${this.url}/ ldaps://127.0.0.1:${this.tlsPort}/` : `${this.url}/`;
    await new Promise<void>((done, fail) => {
      const child = spawn('slapd', ['-f', join(this.dir, 'slapd.conf'), '-h', urls], { stdio: 'ignore' });
      child.on('error', fail);
      // slapd daemonises: the first process exits once the server is set up.
      child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`slapd exited with ${code}`))));
    });
    await waitForPort(this.port);
    if (tls) await waitForPort(this.tlsPort);
  }

  private async pid(): Promise<number | null> {
    try {
      return Number((await readFile(join(this.dir, 'slapd.pid'), 'utf8')).trim()) || null;
    } catch {
      return null;
    }
  }

  /** `ldapmodify` as the root DN (add `changetype: add|modify|delete` records). */
  async modify(ldif: string): Promise<void> {
    await new Promise<void>((done, fail) => {
      const child = execFile(
        'ldapmodify',
        ['-x', '-H', this.url, '-D', LDAP_ROOT_DN, '-w', LDAP_ROOT_PASSWORD],
        (error, _stdout, stderr) => (error ? fail(new Error(`ldapmodify: ${stderr || error.message}`)) : done()),
      );
      child.stdin?.end(ldif);
    });
  }

  /** The directory hangs: connections are accepted (by the kernel), nothing is answered (SIGSTOP). */
  async freeze(): Promise<void> {
    const pid = await this.pid();
    if (pid) process.kill(pid, 'SIGSTOP');
  }

  async thaw(): Promise<void> {
    const pid = await this.pid();
    if (pid) process.kill(pid, 'SIGCONT');
  }

  async stop(): Promise<void> {
    const pid = await this.pid();
    if (pid) {
      try {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGTERM');
        for (let i = 0; i < 100; i++) {
          process.kill(pid, 0);
          await new Promise((r) => setTimeout(r, 50));
        }
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

function treeLdif(people: LdapPerson[], groups: LdapGroup[]): string {
  const records: string[][] = [
    [`dn: ${LDAP_SUFFIX}`, 'objectClass: dcObject', 'objectClass: organization', 'dc: example', 'o: Example'],
    [`dn: ${LDAP_PEOPLE}`, 'objectClass: organizationalUnit', 'ou: people'],
    [`dn: ${LDAP_GROUPS}`, 'objectClass: organizationalUnit', 'ou: groups'],
  ];
  for (const p of people) records.push(personRecord(p));
  for (const g of groups) records.push(groupRecord(g));
  return records.map((r) => r.join('\n')).join('\n\n') + '\n';
}

export function personRecord(p: LdapPerson): string[] {
  return [
    ldifLine('dn', personDn(p.uid)),
    'objectClass: inetOrgPerson',
    ldifLine('uid', p.uid),
    ldifLine('cn', p.cn),
    ldifLine('sn', p.cn.split(' ').pop() || p.cn),
    ...(p.mail ? [ldifLine('mail', p.mail)] : []),
    ldifLine('userPassword', p.password),
  ];
}

function groupRecord(g: LdapGroup): string[] {
  const members = [...(g.people ?? []).map(personDn), ...(g.groups ?? []).map(groupDn)];
  // groupOfNames needs a member: an empty group lists the root DN.
  if (members.length === 0) members.push(LDAP_ROOT_DN);
  return [
    ldifLine('dn', groupDn(g.cn)),
    'objectClass: groupOfNames',
    ldifLine('cn', g.cn),
    ...members.map((m) => ldifLine('member', m)),
  ];
}

/** An LDIF value for ldapmodify (base64 when needed). */
export { ldifLine };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const open = await new Promise<boolean>((done) => {
      const socket = createConnection(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`slapd did not listen on port ${port}`);
}

// A private OpenLDAP slapd for the benchmarks (issue 19): one people OU, one group, on a free port in `dir`.
// The tests' version (apps/api/test/support/slapd.ts) builds bigger trees; this one only needs a user and a group.
import { execFile, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
export const SUFFIX = 'dc=bench,dc=example';
export const ROOT_DN = `cn=admin,${SUFFIX}`;
export const ROOT_PASSWORD = 'bench-directory-root';

/** Starts slapd with `users` ({uid, password}) all in group `group`; resolves with {url, env, stop}. */
export async function startSlapd(dir, users, group) {
  await mkdir(join(dir, 'db'), { recursive: true });
  const rootHash = (await exec('slappasswd', ['-s', ROOT_PASSWORD])).stdout.trim();
  await writeFile(join(dir, 'slapd.conf'), [
    ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include /etc/ldap/schema/${s}.schema`),
    'modulepath /usr/lib/ldap', 'moduleload back_mdb',
    `pidfile ${join(dir, 'slapd.pid')}`, `argsfile ${join(dir, 'slapd.args')}`,
    'database mdb', 'maxsize 67108864', `suffix "${SUFFIX}"`, `rootdn "${ROOT_DN}"`, `rootpw ${rootHash}`,
    `directory ${join(dir, 'db')}`, '',
  ].join('\n'));
  const people = `ou=people,${SUFFIX}`;
  const ldif = [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: bench\no: Bench`,
    `dn: ${people}\nobjectClass: organizationalUnit\nou: people`,
    `dn: ou=groups,${SUFFIX}\nobjectClass: organizationalUnit\nou: groups`,
    ...users.map((u) => `dn: uid=${u.uid},${people}\nobjectClass: inetOrgPerson\nuid: ${u.uid}\ncn: ${u.uid}\nsn: ${u.uid}\nuserPassword: ${u.password}`),
    `dn: cn=${group},ou=groups,${SUFFIX}\nobjectClass: groupOfNames\ncn: ${group}\n${users.map((u) => `member: uid=${u.uid},${people}`).join('\n')}`,
  ].join('\n\n') + '\n';
  await writeFile(join(dir, 'tree.ldif'), ldif);
  await exec('slapadd', ['-f', join(dir, 'slapd.conf'), '-l', join(dir, 'tree.ldif')]);
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = s.address();
      s.close(() => resolve(p));
    });
  });
  const url = `ldap://127.0.0.1:${port}`;
  await new Promise((resolve, reject) => {
    const child = spawn('slapd', ['-f', join(dir, 'slapd.conf'), '-h', `${url}/`], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`slapd exited with ${code}`))));
  });
  for (let i = 0; i < 100; i++) {
    const r = await exec('ldapsearch', ['-x', '-H', url, '-b', SUFFIX, '-s', 'base', 'dn']).catch(() => null);
    if (r) break;
    await new Promise((r2) => setTimeout(r2, 100));
  }
  return {
    url,
    env: {
      STOCKROOM_LDAP_URL: url, STOCKROOM_LDAP_BIND_DN: ROOT_DN, STOCKROOM_LDAP_BIND_PASSWORD: ROOT_PASSWORD,
      STOCKROOM_LDAP_USER_BASE: people, STOCKROOM_LDAP_GROUP_BASE: `ou=groups,${SUFFIX}`,
    },
    async stop() {
      const pid = Number((await readFile(join(dir, 'slapd.pid'), 'utf8').catch(() => '')).trim());
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
      }
    },
  };
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { ErrorCode } from '@stockroom/contracts';
import { Client, InvalidCredentialsError, type Entry } from 'ldapts';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { AppError } from '../../common/errors/app-error';
import { APP_CONFIG, AppConfig, LdapConfig } from '../../config/app-config';
import { fillFilter, userNameAttribute } from './ldap-filter';

/** What the directory says about a user. */
export interface LdapUser {
  dn: string;
  /** The name as the directory spells it (the attribute of the user filter), else as typed. */
  userName: string;
  displayName?: string;
  email?: string;
  /** Group names, nested groups included. */
  groups: string[];
}

export type LdapAnswer =
  | { ok: true; user: LdapUser }
  | { ok: false; reason: 'not found' | 'wrong password' | 'empty password' };

/** Non-AD directories: nested groups are followed this many levels up. */
const MAX_GROUP_DEPTH = 5;
/** Active Directory's LDAP_MATCHING_RULE_IN_CHAIN resolves nesting itself. */
const IN_CHAIN_RULE = '1.2.840.113556.1.4.1941';
const MAX_GROUPS = 1000;

/**
 * LDAP / Active Directory (issue 19), with `ldapts`. Each operation opens its own connection (StartTLS
 * when configured), binds the service account, searches, and closes: no state shared between requests,
 * nothing to go stale. A user's password is checked with a bind as the user's DN on a second connection;
 * an empty password never reaches the directory (an unauthenticated bind "succeeds" on most servers).
 * Every connect and operation has a timeout, and the whole exchange a deadline: a directory that hangs
 * is a 503 for directory users, never a stuck request.
 */
@Injectable()
export class LdapService {
  private readonly logger = new Logger('Ldap');
  private readonly tls?: ConnectionOptions;

  constructor(@Inject(APP_CONFIG) private readonly appConfig: AppConfig) {
    const ldap = appConfig.ldap;
    if (ldap?.caFile) this.tls = { ca: readFileSync(ldap.caFile) };
    else if (ldap) this.tls = {};
  }

  get enabled(): boolean {
    return this.appConfig.ldap !== undefined;
  }

  private get config(): LdapConfig {
    const config = this.appConfig.ldap;
    if (!config) throw new AppError(ErrorCode.BadRequest, 'LDAP is not configured (STOCKROOM_LDAP_URL).');
    return config;
  }

  /** Checks a user name and password against the directory; throws 503 when it cannot be asked. */
  authenticate(userName: string, password: string): Promise<LdapAnswer> {
    if (password.length === 0) return Promise.resolve({ ok: false, reason: 'empty password' });
    return this.withDeadline(async () => {
      const found = await this.withServiceClient((client) => this.findUser(client, userName));
      if (!found) return { ok: false, reason: 'not found' };
      if (!(await this.bindAsUser(found.dn, password))) return { ok: false, reason: 'wrong password' };
      return { ok: true, user: found };
    });
  }

  /** Looks a user up without a password (API keys, the scheduled refresh): null when the directory no longer has them. */
  lookup(userName: string, dn?: string): Promise<LdapUser | null> {
    return this.withDeadline(async () => {
      const found = await this.withServiceClient((client) => this.findUser(client, userName));
      if (!found) return null;
      // Another entry under the same name (the old one deleted, a new person): not the user we know.
      if (dn !== undefined && found.dn.toLowerCase() !== dn.toLowerCase()) return null;
      return found;
    });
  }

  /** The one place the directory's failures become a clear 503. */
  private async withDeadline<T>(work: () => Promise<T>): Promise<T> {
    const ms = this.config.timeoutSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      // Connect, service bind, searches and the user bind: a generous multiple of one operation's timeout.
      timer = setTimeout(() => reject(new Error(`no answer within ${(ms * 3) / 1000} s`)), ms * 3);
    });
    try {
      return await Promise.race([work(), deadline]);
    } catch (e) {
      if (e instanceof AppError) throw e;
      const message = (e as Error).message || String(e);
      this.logger.warn(`The directory (LDAP) failed: ${message}`);
      throw new AppError(ErrorCode.ServiceUnavailable, `The directory (LDAP) cannot be reached: ${message}.`, {
        retryAfterSeconds: 30,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  private newClient(): Client {
    const config = this.config;
    const ms = config.timeoutSeconds * 1000;
    return new Client({
      url: config.url,
      timeout: ms,
      connectTimeout: ms,
      tlsOptions: config.url.startsWith('ldaps:') ? this.tls : undefined,
      strictDN: false,
    });
  }

  private async connect(client: Client): Promise<void> {
    if (this.config.startTls) await client.startTLS(this.tls);
  }

  private async withServiceClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const config = this.config;
    const client = this.newClient();
    try {
      await this.connect(client);
      if (config.bindDn) {
        try {
          await client.bind(config.bindDn, config.bindPassword);
        } catch (e) {
          if (e instanceof InvalidCredentialsError) {
            throw new Error('the service account (STOCKROOM_LDAP_BIND_DN) was refused');
          }
          throw e;
        }
      }
      return await work(client);
    } finally {
      client.unbind().catch(() => undefined);
    }
  }

  private async bindAsUser(dn: string, password: string): Promise<boolean> {
    if (password.length === 0) return false;
    const client = this.newClient();
    try {
      await this.connect(client);
      await client.bind(dn, password);
      return true;
    } catch (e) {
      if (e instanceof InvalidCredentialsError) return false;
      throw e;
    } finally {
      client.unbind().catch(() => undefined);
    }
  }

  private async findUser(client: Client, userName: string): Promise<LdapUser | null> {
    const config = this.config;
    const nameAttribute = userNameAttribute(config.userFilter);
    const attributes = [config.attrDisplayName, config.attrEmail, ...(nameAttribute ? [nameAttribute] : [])];
    const { searchEntries } = await client.search(config.userBase, {
      scope: 'sub',
      filter: fillFilter(config.userFilter, { username: userName }),
      attributes,
      sizeLimit: 2,
    });
    // None, or several entries for one name (an ambiguous filter): nobody to sign in as.
    if (searchEntries.length !== 1) return null;
    const entry = searchEntries[0];
    const spelled = nameAttribute ? first(entry, nameAttribute) : undefined;
    return {
      dn: entry.dn,
      userName: spelled && spelled.toLowerCase() === userName.toLowerCase() ? spelled : userName,
      displayName: first(entry, config.attrDisplayName),
      email: first(entry, config.attrEmail),
      groups: await this.groupsOf(client, entry.dn),
    };
  }

  /** The user's groups; nested ones by following membership up (or by AD's in-chain rule). */
  private async groupsOf(client: Client, userDn: string): Promise<string[]> {
    const config = this.config;
    const depth = config.groupFilter.includes(IN_CHAIN_RULE) ? 1 : MAX_GROUP_DEPTH;
    const names = new Map<string, string>();
    const seen = new Set<string>([userDn.toLowerCase()]);
    let frontier = [userDn];
    for (let level = 0; level < depth && frontier.length > 0; level++) {
      const filters = frontier.map((dn) => fillFilter(config.groupFilter, { dn }));
      const { searchEntries } = await client.search(config.groupBase, {
        scope: 'sub',
        filter: filters.length === 1 ? filters[0] : `(|${filters.join('')})`,
        attributes: [config.attrGroupName],
        sizeLimit: MAX_GROUPS,
      });
      const next: string[] = [];
      for (const entry of searchEntries) {
        const key = entry.dn.toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        next.push(entry.dn);
        const name = first(entry, config.attrGroupName);
        if (name && !names.has(name.toLowerCase())) names.set(name.toLowerCase(), name);
      }
      frontier = next;
    }
    return [...names.values()].sort((a, b) => a.localeCompare(b));
  }
}

function first(entry: Entry, attribute: string): string | undefined {
  // ldapts keys attributes as the server spells them; compare without case.
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  if (!key) return undefined;
  const value = entry[key];
  const one = Array.isArray(value) ? value[0] : value;
  if (one === undefined) return undefined;
  return Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}

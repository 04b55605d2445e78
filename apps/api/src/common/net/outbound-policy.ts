import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent as HttpAgent, type AgentOptions } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { BlockList, isIP, type LookupFunction, Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** The variable that restricts every outbound address (see {@link OutboundPolicy}). */
export const OUTBOUND_ALLOW_VARIABLE = 'STOCKROOM_OUTBOUND_ALLOW';

/** The error a refused outbound connection fails with (`code` {@link OutboundDeniedError.CODE}). */
export class OutboundDeniedError extends Error {
  static readonly CODE = 'EOUTBOUNDDENIED';
  readonly code = OutboundDeniedError.CODE;
  constructor(readonly host: string) {
    super(`"${host}" is not allowed by ${OUTBOUND_ALLOW_VARIABLE}`);
    this.name = 'OutboundDeniedError';
  }
}

export function isOutboundDenied(e: unknown): boolean {
  for (let cause = e, depth = 0; cause && depth < 5; depth++) {
    const c = cause as { code?: unknown; message?: unknown; cause?: unknown };
    if (c.code === OutboundDeniedError.CODE) return true;
    if (typeof c.message === 'string' && c.message.includes(`not allowed by ${OUTBOUND_ALLOW_VARIABLE}`)) return true;
    cause = c.cause;
  }
  return false;
}

/** HTTP(S) agents whose every connection goes through the policy (one pair per client: see createAgents). */
export interface OutboundAgents {
  http: HttpAgent;
  https: HttpsAgent;
}

interface ParsedEntries {
  names: Set<string>;
  /** Suffixes of `*.example.com` entries, with their leading dot: `.example.com`. */
  suffixes: string[];
  addresses: BlockList;
  problems: string[];
}

/**
 * Which addresses the server may contact on a user's behalf (storage endpoints now; connectors,
 * replication and webhooks later), from `STOCKROOM_OUTBOUND_ALLOW`: a comma-separated list of
 *
 * - host names (`s3.eu-west-1.amazonaws.com`): that name, whatever it resolves to (its DNS is trusted);
 * - wildcards (`*.blob.core.windows.net`): any name under that suffix (not the suffix itself);
 * - IP addresses and CIDRs (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`): any name or literal whose
 *   resolved address falls inside.
 *
 * A connection is allowed when its host name is listed, or when the address it actually connects
 * to is: the check runs in the agents' `lookup` at connect time, on the address the socket is
 * about to use, so a name that resolves to an allowed address at save time and to another one
 * later (DNS rebinding) is refused then. Unset (or empty): no restriction.
 */
export class OutboundPolicy {
  private constructor(
    private readonly entries: ParsedEntries | undefined,
    readonly raw: string,
    /** Also refuse internal addresses (see {@link publicOnly}) that no entry lists. */
    private readonly denyInternal = false,
  ) {}

  /** No restriction. */
  static readonly unrestricted = new OutboundPolicy(undefined, '');

  /** Parses the variable's value; throws listing every entry it cannot read. */
  static parse(raw: string | undefined): OutboundPolicy {
    const problems = OutboundPolicy.problems(raw);
    if (problems.length > 0) throw new Error(problems.join('; '));
    const text = (raw ?? '').trim();
    return text === '' ? OutboundPolicy.unrestricted : new OutboundPolicy(parseEntries(text), text);
  }

  /** What is wrong with a value of the variable (empty when it can be used). */
  static problems(raw: string | undefined): string[] {
    return raw === undefined || raw.trim() === '' ? [] : parseEntries(raw).problems;
  }

  /**
   * This policy, also refusing internal addresses (loopback, private, link-local, CGNAT, unique-local,
   * multicast, unspecified) unless an IP or CIDR entry lists them: for addresses a user chose without
   * Administer (a manager's webhook), and for redirects an upstream sends.
   */
  publicOnly(): OutboundPolicy {
    return this.denyInternal ? this : new OutboundPolicy(this.entries, this.raw, true);
  }

  /** Whether an allow list (or {@link publicOnly}) is in force. */
  get restricted(): boolean {
    return this.entries !== undefined || this.denyInternal;
  }

  /** Whether a host name (or IP literal) is allowed as such, before any resolution. */
  allowsHost(host: string): boolean {
    const name = normalizeHost(host);
    if (isIP(name)) return this.allowsAddress(name);
    if (!this.entries) return !this.denyInternal;
    if (this.entries.names.has(name)) return true;
    return this.entries.suffixes.some((suffix) => name.endsWith(suffix) && name.length > suffix.length);
  }

  /** Whether a resolved address is allowed (IP and CIDR entries; internal ones refused by publicOnly). */
  allowsAddress(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return !this.restricted;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (this.entries?.addresses.check(address, type)) return true;
    if (this.denyInternal && isInternalAddress(address)) return false;
    return !this.entries;
  }

  /**
   * Checks a URL's host ahead of time (saving or testing settings): a listed name passes; any
   * other name must resolve to at least one allowed address. Throws {@link OutboundDeniedError}.
   * The connection itself is checked again at connect time.
   */
  async check(url: string | URL): Promise<void> {
    if (!this.restricted) return;
    const host = normalizeHost(new URL(url).hostname);
    if (this.allowsHost(host)) return;
    if (isIP(host)) throw new OutboundDeniedError(host);
    const addresses = await new Promise<LookupAddress[]>((resolve) =>
      dnsLookup(host, { all: true }, (err, found) => resolve(err ? [] : found)),
    );
    if (!addresses.some((a) => this.allowsAddress(a.address))) throw new OutboundDeniedError(host);
  }

  /**
   * A `lookup` for sockets: resolves as usual, then keeps only the addresses the policy allows
   * (all of them for a listed name); none left fails the connection with OutboundDeniedError.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const opts: LookupOptions = typeof options === 'object' && options ? options : {};
    const listed = this.allowsHost(hostname);
    dnsLookup(hostname, { ...opts, all: true }, (err, found) => {
      if (err) return (callback as (e: Error) => void)(err);
      const allowed = listed ? found : found.filter((a) => this.allowsAddress(a.address));
      if (allowed.length === 0) return (callback as (e: Error) => void)(new OutboundDeniedError(hostname));
      if (opts.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, allowed);
      callback(null, allowed[0].address, allowed[0].family);
    });
  };

  /**
   * A new pair of keep-alive agents enforcing the policy: hosts resolve through {@link lookup}, and
   * IP literals (which skip `lookup`) are checked before connecting. One pair per client: an SDK
   * client destroys its agents with it. Unrestricted: plain agents.
   */
  createAgents(options: AgentOptions = {}): OutboundAgents {
    const agentOptions: AgentOptions = { keepAlive: true, maxSockets: 50, ...options };
    if (!this.restricted) return { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
    const guarded = { ...agentOptions, lookup: this.lookup };
    const lookup = this.lookup;
    // `createConnection` is where both agents open a socket; a literal address never reaches `lookup`.
    const refuseLiteral = (options: { host?: string | null; hostname?: string | null }): Error | undefined => {
      const host = normalizeHost(String(options.host ?? options.hostname ?? 'localhost'));
      return isIP(host) && !this.allowsAddress(host) ? new OutboundDeniedError(host) : undefined;
    };
    // One guard for both agents (an https.Agent opens its sockets through the same method).
    const guard = <A extends HttpAgent>(agent: A): A => {
      const open = agent.createConnection.bind(agent);
      agent.createConnection = (options, callback) => {
        const denied = refuseLiteral(options);
        if (denied) return failedSocket(denied, callback as (err: Error | null, socket: Duplex) => void);
        return open({ ...options, lookup } as never, callback);
      };
      return agent;
    };
    return { http: guard(new HttpAgent(guarded)), https: guard(new HttpsAgent(guarded)) };
  }
}

/**
 * How an agent's createConnection refuses: through the agent's callback (the request then fails
 * with `error`, like any refused connection), or, called without one, as a socket that fails at once.
 */
function failedSocket(error: Error, callback?: (err: Error | null, socket: Duplex) => void): Duplex {
  if (callback) {
    callback(error, undefined as unknown as Duplex);
    return undefined as unknown as Duplex;
  }
  const socket = new Socket();
  process.nextTick(() => socket.destroy(error));
  return socket;
}

/** Addresses no user without Administer may make the server contact (RFC 6890's special-purpose ranges). */
const INTERNAL = (() => {
  const list = new BlockList();
  for (const [net, bits] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['224.0.0.0', 3],
  ] as const)
    list.addSubnet(net, bits, 'ipv4');
  for (const [net, bits] of [
    ['::', 128],
    ['::1', 128],
    ['64:ff9b::', 96],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
  ] as const)
    list.addSubnet(net, bits, 'ipv6');
  return list;
})();

/** Whether an IP address is loopback, private, link-local, CGNAT, unique-local, multicast or reserved. */
export function isInternalAddress(address: string): boolean {
  const name = normalizeHost(address);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(name);
  if (mapped) return INTERNAL.check(mapped[1], 'ipv4');
  const family = isIP(name);
  if (family === 0) return false;
  return INTERNAL.check(name, family === 6 ? 'ipv6' : 'ipv4');
}

function normalizeHost(host: string): string {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

function parseEntries(raw: string): ParsedEntries {
  const parsed: ParsedEntries = { names: new Set(), suffixes: [], addresses: new BlockList(), problems: [] };
  for (const item of raw.split(',')) {
    const entry = item.trim();
    if (entry === '') continue;
    const bad = (why: string) => parsed.problems.push(`${JSON.stringify(entry)}: ${why}`);
    const slash = entry.indexOf('/');
    if (slash >= 0) {
      const address = normalizeHost(entry.slice(0, slash));
      const bits = entry.slice(slash + 1);
      const family = isIP(address);
      const max = family === 6 ? 128 : 32;
      if (family === 0 || !/^\d{1,3}$/.test(bits) || Number(bits) > max) {
        bad('expected a CIDR such as 10.0.0.0/8 or fd00::/8');
        continue;
      }
      parsed.addresses.addSubnet(address, Number(bits), family === 6 ? 'ipv6' : 'ipv4');
      continue;
    }
    const host = normalizeHost(entry);
    const family = isIP(host);
    if (family !== 0) {
      parsed.addresses.addAddress(host, family === 6 ? 'ipv6' : 'ipv4');
      continue;
    }
    const wildcard = host.startsWith('*.');
    const name = wildcard ? host.slice(2) : host;
    if (
      !/^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/.test(name)
    ) {
      bad('expected a host name, *.domain, an IP address or a CIDR');
      continue;
    }
    if (wildcard) parsed.suffixes.push(`.${name}`);
    else parsed.names.add(name);
  }
  return parsed;
}

import { createServer, get, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isInternalAddress, OutboundPolicy } from './outbound-policy';

describe('OutboundPolicy', () => {
  it('is unrestricted when unset or empty', () => {
    for (const raw of [undefined, '', ' , ']) {
      const policy = OutboundPolicy.parse(raw);
      expect(policy.restricted).toBe(raw === ' , ');
      expect(policy.allowsHost('anything.example')).toBe(raw === ' , ' ? false : true);
    }
  });

  it('lists every entry it cannot read', () => {
    expect(OutboundPolicy.problems('10.0.0.0/33, ok.example, a..b, ::1/129, 1.2.3.4/x, *.fine.example')).toEqual([
      '"10.0.0.0/33": expected a CIDR such as 10.0.0.0/8 or fd00::/8',
      '"a..b": expected a host name, *.domain, an IP address or a CIDR',
      '"::1/129": expected a CIDR such as 10.0.0.0/8 or fd00::/8',
      '"1.2.3.4/x": expected a CIDR such as 10.0.0.0/8 or fd00::/8',
    ]);
  });

  it('matches names exactly (any case, trailing dot), wildcards below their suffix only, addresses by CIDR', () => {
    const policy = OutboundPolicy.parse(
      'S3.eu-west-1.amazonaws.com, *.blob.core.windows.net, 10.0.0.0/8, fd00::/8, 192.0.2.7',
    );
    expect(policy.allowsHost('s3.EU-west-1.amazonaws.com.')).toBe(true);
    expect(policy.allowsHost('bucket.s3.eu-west-1.amazonaws.com')).toBe(false);
    expect(policy.allowsHost('acct.blob.core.windows.net')).toBe(true);
    expect(policy.allowsHost('a.b.blob.core.windows.net')).toBe(true);
    expect(policy.allowsHost('blob.core.windows.net')).toBe(false);
    expect(policy.allowsHost('evilblob.core.windows.net')).toBe(false);
    expect(policy.allowsHost('10.1.2.3')).toBe(true);
    expect(policy.allowsHost('[fd00::1]')).toBe(true);
    expect(policy.allowsAddress('::ffff:10.0.0.1')).toBe(true);
    expect(policy.allowsAddress('192.0.2.7')).toBe(true);
    expect(policy.allowsAddress('192.0.2.8')).toBe(false);
    expect(policy.allowsAddress('127.0.0.1')).toBe(false);
    expect(policy.allowsAddress('::1')).toBe(false);
    expect(policy.allowsAddress('not-an-ip')).toBe(false);
  });

  describe('agents, at connect time', () => {
    let server: Server;
    let port: number;
    const hits: string[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        hits.push(req.url ?? '');
        res.end('ok');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const fetchVia = (policy: OutboundPolicy, host: string, path: string) => {
      const agents = policy.createAgents();
      return new Promise<string>((resolve) => {
        get({ host, port, path, agent: agents.http }, (res) => {
          res.resume();
          resolve(String(res.statusCode));
        }).on('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? e.message));
      }).finally(() => agents.http.destroy());
    };

    it('refuses literals and names resolving outside the list, before any byte is sent', async () => {
      const policy = OutboundPolicy.parse('127.0.0.2');
      for (const host of ['127.0.0.1', 'localhost', '0x7f000001', '2130706433']) {
        expect([host, await fetchVia(policy, host, `/refused-${host}`)]).toEqual([host, 'EOUTBOUNDDENIED']);
      }
      expect(hits.filter((h) => h.startsWith('/refused'))).toEqual([]);
    });

    it('connects to listed addresses and listed names', async () => {
      expect(await fetchVia(OutboundPolicy.parse('127.0.0.0/8'), 'localhost', '/a')).toBe('200');
      expect(await fetchVia(OutboundPolicy.parse('127.0.0.1'), '127.0.0.1', '/b')).toBe('200');
      expect(await fetchVia(OutboundPolicy.parse('localhost'), 'localhost', '/c')).toBe('200');
      expect(await fetchVia(OutboundPolicy.parse('localhost'), '127.0.0.1', '/d')).toBe('EOUTBOUNDDENIED');
      expect(hits).toEqual(['/a', '/b', '/c']);
    });

    it('checks URLs ahead of time the same way', async () => {
      await expect(OutboundPolicy.parse('127.0.0.0/8').check('http://localhost:1/')).resolves.toBeUndefined();
      await expect(OutboundPolicy.parse('10.0.0.0/8').check('http://localhost:1/')).rejects.toThrow(
        '"localhost" is not allowed by STOCKROOM_OUTBOUND_ALLOW',
      );
      await expect(OutboundPolicy.parse('localhost').check('http://[::1]:1/')).rejects.toThrow(/"::1" is not allowed/);
    });
  });
  describe('publicOnly', () => {
    it('refuses internal addresses unless an IP or CIDR entry lists them', () => {
      const open = OutboundPolicy.parse(undefined).publicOnly();
      for (const internal of [
        '127.0.0.1',
        '10.1.2.3',
        '172.20.0.1',
        '192.168.1.1',
        '169.254.169.254',
        '100.64.0.1',
        '0.0.0.0',
        '::1',
        'fd00::1',
        'fe80::1',
        '::ffff:127.0.0.1',
      ]) {
        expect([internal, open.allowsAddress(internal)]).toEqual([internal, false]);
        expect(isInternalAddress(internal)).toBe(true);
      }
      for (const external of ['93.184.216.34', '2606:2800:220:1::1', '8.8.8.8']) {
        expect([external, open.allowsAddress(external)]).toEqual([external, true]);
      }
      expect(open.restricted).toBe(true);
      expect(open.allowsHost('example.org')).toBe(false); // must resolve first
      const listed = OutboundPolicy.parse('10.0.0.0/8').publicOnly();
      expect(listed.allowsAddress('10.1.2.3')).toBe(true);
      expect(listed.allowsAddress('192.168.1.1')).toBe(false);
      expect(listed.allowsAddress('8.8.8.8')).toBe(false);
    });

    it('checks URLs by their resolved address', async () => {
      const open = OutboundPolicy.unrestricted.publicOnly();
      await expect(open.check('http://localhost:1/')).rejects.toThrow('"localhost" is not allowed');
      await expect(open.check('http://[::1]:1/')).rejects.toThrow('"::1" is not allowed');
      await expect(open.check('http://93.184.216.34/')).resolves.toBeUndefined();
    });
  });
});

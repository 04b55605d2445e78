import { BlobServiceClient, ContainerSASPermissions } from '@azure/storage-blob';
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  abortedBody,
  bodyOf,
  describeStorageProviderContract,
  expectStorageError,
  failingBody,
  listKeys,
  listUploads,
  readObject,
} from '../testing';
import { type AzuriteInstance, azuriteConnectionString, startAzurite } from '../testing/azurite';
import { freePort } from '../testing/child-processes';
import { AzureBlobStorageProvider } from './azure-blob-storage-provider';
import { StorageErrorCode } from './storage-error';

jest.setTimeout(60_000);

let azurite: AzuriteInstance;

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite?.stop();
});

const newContainerName = () => `c${randomBytes(8).toString('hex')}`;

async function createContainer(name = newContainerName()): Promise<string> {
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(name).create();
  return name;
}

async function deleteContainer(name: string): Promise<void> {
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(name).deleteIfExists();
}

describeStorageProviderContract('azure (Azurite)', async () => {
  const container = await createContainer();
  return {
    provider: new AzureBlobStorageProvider({ connectionString: azurite.connectionString, container }),
    cleanup: () => deleteContainer(container),
  };
});

describeStorageProviderContract('azure (Azurite, prefix, small blocks)', async () => {
  const container = await createContainer();
  return {
    provider: new AzureBlobStorageProvider({
      connectionString: azurite.connectionString,
      container,
      prefix: 'stockroom/',
      blockSize: 1024 * 1024,
      maxConcurrency: 2,
    }),
    cleanup: () => deleteContainer(container),
  };
});

describe('AzureBlobStorageProvider (Azure specifics)', () => {
  let container: string;
  let provider: AzureBlobStorageProvider;

  beforeEach(async () => {
    container = await createContainer();
    provider = new AzureBlobStorageProvider({
      connectionString: azurite.connectionString,
      container,
      prefix: 'stockroom/',
    });
  });

  afterEach(async () => {
    await deleteContainer(container);
  });

  const rawNames = async () => {
    const names: string[] = [];
    const client = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container);
    for await (const b of client.listBlobsFlat()) names.push(b.name);
    return names.sort();
  };

  it('stores keys under the prefix and lists them without it', async () => {
    const bare = new AzureBlobStorageProvider({ connectionString: azurite.connectionString, container });
    await provider.write('a/b', bodyOf('prefixed'));
    await bare.write('a/b', bodyOf('bare'));
    expect(await rawNames()).toEqual(['a/b', 'stockroom/a/b']);
    expect(await listKeys(provider, '')).toEqual(['a/b']);
    expect(await listKeys(provider, 'a/')).toEqual(['a/b']);
    expect((await readObject(provider, 'a/b')).toString()).toBe('prefixed');
    expect((await readObject(bare, 'a/b')).toString()).toBe('bare');
    await provider.delete('a/b');
    expect((await readObject(bare, 'a/b')).toString()).toBe('bare');
  });

  it('keeps upload markers out of list and removes them on completion and abort', async () => {
    const id1 = await provider.createMultipart('mp/x', 3);
    const id2 = await provider.createMultipart('mp/y', 3);
    expect(await listKeys(provider, '')).toEqual([]);
    const part = await provider.writePart('mp/x', id1, { index: 0, offset: 0, size: 3 }, bodyOf('abc'));
    await provider.completeMultipart('mp/x', id1, [part]);
    await provider.abortMultipart('mp/y', id2);
    expect(await rawNames()).toEqual(['stockroom/mp/x']);
  });

  const rawNamesWithUncommitted = async () => {
    const names: string[] = [];
    const client = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container);
    for await (const b of client.listBlobsFlat({ includeUncommitedBlobs: true })) names.push(b.name);
    return names.sort();
  };

  it('listUploads lists the markers; abort with a listed id removes the marker and the staged blocks', async () => {
    const uploadId = await provider.createMultipart('mp/stale', 2);
    await provider.writePart('mp/stale', uploadId, { index: 0, offset: 0, size: 1 }, bodyOf('a'));
    expect(await rawNamesWithUncommitted()).toEqual([`stockroom/.uploads/${uploadId}`, 'stockroom/mp/stale']);
    const uploads = await listUploads(provider);
    expect(uploads).toEqual([{ uploadId, key: 'mp/stale', startedAt: expect.any(Date) }]);
    await provider.abortMultipart(uploads[0].key ?? '', uploads[0].uploadId);
    expect(await listUploads(provider)).toEqual([]);
    await expectStorageError(
      provider.completeMultipart('mp/stale', uploadId, [{ index: 0, offset: 0, size: 1 }]),
      StorageErrorCode.NotFound,
    );
    expect(await rawNamesWithUncommitted()).toEqual([]);
  });

  it('aborting never touches a blob already committed under the key', async () => {
    await provider.write('mp/kept', bodyOf('committed'));
    const uploadId = await provider.createMultipart('mp/kept', 1);
    await provider.writePart('mp/kept', uploadId, { index: 0, offset: 0, size: 1 }, bodyOf('a'));
    await provider.abortMultipart('mp/kept', uploadId);
    expect((await readObject(provider, 'mp/kept')).toString()).toBe('committed');
    expect(await listUploads(provider)).toEqual([]);
    expect(await rawNames()).toEqual(['stockroom/mp/kept']);
  });

  it('a marker without a key is listed without one, and aborted with an empty key', async () => {
    const raw = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container);
    const uploadId = randomBytes(16).toString('hex');
    await raw.getBlockBlobClient(`stockroom/.uploads/${uploadId}`).upload(Buffer.alloc(0), 0);
    await raw.getBlockBlobClient('stockroom/.uploads/not-an-upload-id').upload(Buffer.alloc(0), 0);
    expect(await listUploads(provider)).toEqual([{ uploadId, key: undefined, startedAt: expect.any(Date) }]);
    await provider.abortMultipart('', uploadId);
    expect(await listUploads(provider)).toEqual([]);
  });

  it('assembles parts far smaller than 5 MiB, sent in any order', async () => {
    const data = randomBytes(10 * 1000 + 7);
    const parts = Array.from({ length: 11 }, (_, index) => ({
      index,
      offset: index * 1000,
      size: Math.min(1000, data.length - index * 1000),
    }));
    const uploadId = await provider.createMultipart('mp/small', data.length);
    const order = [5, 10, 0, 3, 9, 1, 7, 2, 8, 4, 6];
    const stored = await Promise.all(
      order.map((i) =>
        provider.writePart(
          'mp/small',
          uploadId,
          parts[i],
          bodyOf(data.subarray(parts[i].offset, parts[i].offset + parts[i].size), 100),
        ),
      ),
    );
    // Any node can complete it: a second provider instance on the same container.
    const other = new AzureBlobStorageProvider({
      connectionString: azurite.connectionString,
      container,
      prefix: 'stockroom/',
    });
    await other.completeMultipart('mp/small', uploadId, stored.reverse());
    expect((await readObject(provider, 'mp/small')).equals(data)).toBe(true);
  });

  it('a multi-block write whose body fails commits nothing', async () => {
    const small = new AzureBlobStorageProvider({
      connectionString: azurite.connectionString,
      container,
      blockSize: 256 * 1024,
      maxConcurrency: 2,
    });
    await small.write('big', bodyOf('the original'));
    await expectStorageError(small.write('big', failingBody(randomBytes(3 * 1024 * 1024))), StorageErrorCode.Aborted);
    await expectStorageError(small.write('big', abortedBody(randomBytes(3 * 1024 * 1024))), StorageErrorCode.Aborted);
    await expectStorageError(small.write('new', failingBody(randomBytes(3 * 1024 * 1024))), StorageErrorCode.Aborted);
    expect((await readObject(small, 'big')).toString()).toBe('the original');
    expect(await small.stat('new')).toBeNull();
    const data = randomBytes(3 * 1024 * 1024 + 5);
    expect(await small.write('big', bodyOf(data), { contentType: 'application/x-test' })).toEqual({
      size: data.length,
    });
    expect((await readObject(small, 'big')).equals(data)).toBe(true);
  });

  it('treats malformed or foreign upload ids as not found', async () => {
    await expectStorageError(
      provider.writePart('mp/x', '../../x', { index: 0, offset: 0, size: 1 }, bodyOf('a')),
      StorageErrorCode.NotFound,
    );
    const uploadId = await provider.createMultipart('mp/x', 1);
    await expectStorageError(
      provider.writePart('mp/other', uploadId, { index: 0, offset: 0, size: 1 }, bodyOf('a')),
      StorageErrorCode.NotFound,
    );
    await provider.abortMultipart('mp/other', uploadId);
    const part = await provider.writePart('mp/x', uploadId, { index: 0, offset: 0, size: 1 }, bodyOf('a'));
    await provider.completeMultipart('mp/x', uploadId, [part]);
    expect((await readObject(provider, 'mp/x')).toString()).toBe('a');
  });

  it('clamps a range that runs past the end of the object', async () => {
    await provider.write('r', bodyOf('abc'));
    const read = async (start: number, end: number) => {
      const chunks: Buffer[] = [];
      for await (const c of await provider.read('r', { start, end })) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString();
    };
    expect(await read(1, 100)).toBe('bc');
    expect(await read(5, 10)).toBe('');
    await expect(provider.read('r', { start: 2, end: 1 })).rejects.toBeInstanceOf(RangeError);
  });

  it('signs a download URL that serves the bytes with the requested headers', async () => {
    await provider.write('dl/file', bodyOf('download me'), { contentType: 'application/octet-stream' });
    const url = await provider.createDownloadUrl('dl/file', {
      expiresInSeconds: 300,
      contentType: 'text/plain; charset=utf-8',
      contentDisposition: 'attachment; filename="hello.txt"',
    });
    expect(url).toContain('/stockroom/dl/file?');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="hello.txt"');
    expect(await res.text()).toBe('download me');

    const tampered = url.replace('dl/file', 'dl/other');
    expect((await fetch(tampered)).status).toBe(403);
  });

  it('works with a container SAS URL, which cannot sign download URLs', async () => {
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const containerSas = await service.getContainerClient(container).generateSasUrl({
      permissions: ContainerSASPermissions.parse('racwdl'),
      expiresOn: new Date(Date.now() + 3600_000),
    });
    const sasProvider = new AzureBlobStorageProvider({ containerUrl: containerSas, container, prefix: 'stockroom/' });
    await sasProvider.write('via/sas', bodyOf('sas works'));
    expect((await readObject(provider, 'via/sas')).toString()).toBe('sas works');
    await expect(sasProvider.checkHealth()).resolves.toBeUndefined();
    const err = await expectStorageError(sasProvider.createDownloadUrl('via/sas', { expiresInSeconds: 60 }));
    expect(err.message).toMatch(/account-key connection string/);

    // The same token in a SAS connection string.
    const token = new URL(containerSas).search.slice(1);
    const sasConnection = new AzureBlobStorageProvider({
      connectionString: `BlobEndpoint=${azurite.blobEndpoint};SharedAccessSignature=${token}`,
      container,
      prefix: 'stockroom/',
    });
    expect((await readObject(sasConnection, 'via/sas')).toString()).toBe('sas works');
    await expectStorageError(sasConnection.createDownloadUrl('via/sas', { expiresInSeconds: 60 }));
  });

  it('a wrong account key fails with AccessDenied, without echoing the key', async () => {
    const wrongKey = randomBytes(64).toString('base64');
    const bad = new AzureBlobStorageProvider({
      connectionString: azuriteConnectionString(azurite.blobEndpoint, wrongKey),
      container,
    });
    const err = await expectStorageError(bad.checkHealth(), StorageErrorCode.AccessDenied);
    expect(err.message).toMatch(/credentials/);
    expect(err.message).not.toContain(wrongKey);
    await expectStorageError(bad.write('x', bodyOf('x')), StorageErrorCode.AccessDenied);
    await expectStorageError(bad.read('x'), StorageErrorCode.AccessDenied);
  });

  it('a missing container is reported by name', async () => {
    const missing = new AzureBlobStorageProvider({
      connectionString: azurite.connectionString,
      container: 'no-such-container',
    });
    const err = await expectStorageError(missing.checkHealth(), StorageErrorCode.Unavailable);
    expect(err.message).toContain('"no-such-container"');
    const writeErr = await expectStorageError(missing.write('x', bodyOf('x')), StorageErrorCode.Unavailable);
    expect(writeErr.message).toContain('"no-such-container"');
  });

  it('an unreachable endpoint fails quickly with Unavailable', async () => {
    const port = await freePort(); // nobody listens there
    const down = new AzureBlobStorageProvider({
      connectionString: azuriteConnectionString(`http://127.0.0.1:${port}/devstoreaccount1`),
      container,
      retryOptions: { maxTries: 2, retryDelayInMs: 50, maxRetryDelayInMs: 100, tryTimeoutInMs: 2000 },
    });
    const started = Date.now();
    const err = await expectStorageError(down.checkHealth(), StorageErrorCode.Unavailable);
    expect(err.message).not.toContain('AccountKey');
    await expectStorageError(down.stat('x'), StorageErrorCode.Unavailable);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a part Azure fails to receive is not retried from a spent stream: it fails, to be re-sent', async () => {
    // A fake endpoint: the upload marker exists, every Put Block answers 503 after reading the body.
    const puts: number[] = [];
    const server = http.createServer((req, res) => {
      if (req.method === 'HEAD') {
        res.writeHead(200, {
          'x-ms-meta-key': 'mp/x',
          'x-ms-meta-totalsize': '100000',
          'content-length': '0',
          'x-ms-version': '2025-01-05',
        });
        res.end();
        return;
      }
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => {
        puts.push(n);
        res.writeHead(503, { 'x-ms-error-code': 'ServerBusy', 'content-length': '0' });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as AddressInfo).port;
      const flaky = new AzureBlobStorageProvider({
        connectionString: azuriteConnectionString(`http://127.0.0.1:${port}/devstoreaccount1`),
        container,
        retryOptions: { maxTries: 3, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
      });
      const uploadId = randomBytes(16).toString('hex');
      const started = Date.now();
      const err = await expectStorageError(
        flaky.writePart('mp/x', uploadId, { index: 0, offset: 0, size: 100_000 }, bodyOf(randomBytes(100_000))),
        StorageErrorCode.Unavailable,
      );
      expect(err.message).toMatch(/send the part again/);
      expect(puts).toEqual([100_000]);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  // Azure Storage throttles with 503 ServerBusy (and 500 OperationTimedOut), which the SDK's retry
  // policy retries; it does not retry a 429 (which Azure Storage does not send; a proxy might).
  it.each([
    [503, 'ServerBusy', 3],
    [500, 'OperationTimedOut', 3],
    [429, 'TooManyRequests', 1],
  ])('HTTP %s %s is retried with backoff (%s tries), then reported as Unavailable', async (status, code, tries) => {
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests++;
      req.resume();
      res.writeHead(status, { 'x-ms-error-code': code, 'content-length': '0' });
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as AddressInfo).port;
      const busy = new AzureBlobStorageProvider({
        connectionString: azuriteConnectionString(`http://127.0.0.1:${port}/devstoreaccount1`),
        container,
        retryOptions: { maxTries: 3, retryDelayInMs: 10, maxRetryDelayInMs: 20 },
      });
      const err = await expectStorageError(busy.stat('x'), StorageErrorCode.Unavailable);
      expect(err.message).toContain(
        status === 500 ? `Azure is unavailable (${code})` : `throttling requests or busy (${code})`,
      );
      expect(requests).toBe(tries);
      await expectStorageError(busy.checkHealth(), StorageErrorCode.Unavailable);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('rejects a connection string it cannot parse without echoing it', () => {
    expect(
      () => new AzureBlobStorageProvider({ connectionString: 'AccountKey=secret123;nonsense', container }),
    ).toThrow(/not valid/);
  });
});

import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationRef, Component, signal } from '@angular/core';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import type { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatCheckboxHarness } from '@angular/material/checkbox/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatProgressBarHarness } from '@angular/material/progress-bar/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import type { StorageMove, StorageSettings, StorageTypeInfo } from '@stockroom/contracts';
import { noMaterialAnimations } from '../../testing/material';
import { MOVE_POLL_MS, StorageTab } from './storage-tab';

const TYPES: StorageTypeInfo[] = [
  {
    id: 'disk',
    name: 'Disk',
    properties: [{ name: 'Path', type: 'string', required: false, secret: false, description: 'Folder' }],
  },
  {
    id: 's3',
    name: 'Amazon S3 (or S3-compatible)',
    properties: [
      { name: 'BucketName', type: 'string', required: true, secret: false, description: 'Bucket' },
      { name: 'AccessKey', type: 'string', required: false, secret: false, description: 'Access key id' },
      { name: 'SecretAccessKey', type: 'string', required: false, secret: true, description: 'Secret access key' },
      { name: 'UsePathStyle', type: 'boolean', required: false, secret: false, description: 'Path-style URLs' },
    ],
  },
];

const DISK: StorageSettings = { id: 'disk', properties: { Path: '/data/storage/feed-1' } };
const S3: StorageSettings = {
  id: 's3',
  properties: { BucketName: 'assets', AccessKey: 'AKIA', SecretAccessKey: '********', UsePathStyle: true },
};

function move(extra: Partial<StorageMove> = {}): StorageMove {
  return {
    id: 'm-1',
    feed: 'installers',
    state: 'copying',
    from: DISK,
    to: S3,
    startedBy: 'Admin',
    startedAt: '2026-01-01T10:00:00Z',
    updatedAt: '2026-01-01T10:00:00Z',
    finishedAt: null,
    totalFiles: 10,
    totalBytes: 1000,
    copiedFiles: 0,
    copiedBytes: 0,
    failedFiles: 0,
    errors: [],
    ...extra,
  };
}

@Component({ imports: [StorageTab], template: `<app-storage-tab [feed]="feed()" />` })
class Host {
  readonly feed = signal('installers');
}

describe('StorageTab', () => {
  let backend: HttpTestingController;
  let fixture: ComponentFixture<Host>;
  let loader: HarnessLoader;
  let element: HTMLElement;

  async function open(current: StorageSettings): Promise<void> {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), noMaterialAnimations],
    });
    backend = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(Host);
    element = fixture.nativeElement as HTMLElement;
    await settle();
    backend.expectOne((r) => r.url === '/api/storage' && !r.params.has('feed')).flush(TYPES);
    backend.expectOne((r) => r.url === '/api/storage' && r.params.get('feed') === 'installers').flush(current);
    await settle();
    loader = TestbedHarnessEnvironment.loader(fixture);
  }

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    TestBed.tick();
    await TestBed.inject(ApplicationRef).whenStable();
  }

  async function waitPoll(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, MOVE_POLL_MS + 50));
  }

  function progressText(): string {
    return element.querySelector('[data-testid=move-progress]')?.textContent?.replace(/\s+/g, ' ') ?? '';
  }

  afterEach(() => {
    backend.verify();
    fixture?.destroy();
  });

  it('shows the saved provider with one field per property, a secret as a masked password', async () => {
    await open(S3);
    const provider = await loader.getHarness(MatSelectHarness);
    expect(await provider.getValueText()).toBe('Amazon S3 (or S3-compatible)');
    const bucket = await loader.getHarness(MatInputHarness.with({ placeholder: '', value: 'assets' }));
    expect(await bucket.getType()).toBe('text');
    const secret = await loader.getHarness(MatInputHarness.with({ value: '********' }));
    expect(await secret.getType()).toBe('password');
    expect(await (await loader.getHarness(MatCheckboxHarness)).isChecked()).toBe(true);
    expect(element.querySelector('[data-testid=move-progress]')).toBeNull();
  });

  it('tests the connection with the form as it is, and shows each step', async () => {
    await open(DISK);
    const provider = await loader.getHarness(MatSelectHarness);
    await provider.open();
    await provider.clickOptions({ text: 'Amazon S3 (or S3-compatible)' });
    // BucketName is required: nothing is sent without it.
    await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=storage-test]' }))).click();
    backend.expectNone('/api/storage/test');
    expect(element.textContent).toContain('BucketName is required.');

    const inputs = await loader.getAllHarnesses(MatInputHarness);
    await inputs[0].setValue('assets');
    await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=storage-test]' }))).click();
    const req = backend.expectOne((r) => r.url === '/api/storage/test');
    expect(req.request.params.get('feed')).toBe('installers');
    expect(req.request.body).toEqual({ id: 's3', properties: { BucketName: 'assets', UsePathStyle: false } });
    req.flush({
      ok: false,
      steps: [
        { step: 'connect', ok: true, message: 'Connected.' },
        { step: 'write', ok: false, message: 'Access Denied' },
      ],
    });
    await settle();
    const result = element.querySelector('[data-testid=storage-test-result]')?.textContent ?? '';
    expect(result).toContain('Connection failed');
    expect(result).toContain('Connected.');
    expect(result).toContain('Access Denied');
  });

  it('saves, then follows the move every second until it completes', async () => {
    await open(DISK);
    const provider = await loader.getHarness(MatSelectHarness);
    await provider.open();
    await provider.clickOptions({ text: 'Amazon S3 (or S3-compatible)' });
    await (await loader.getAllHarnesses(MatInputHarness))[0].setValue('assets');
    await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=storage-save]' }))).click();
    const save = backend.expectOne((r) => r.method === 'POST' && r.url === '/api/storage');
    expect(save.request.params.get('feed')).toBe('installers');
    save.flush({ ...S3, move: move() });
    await settle();
    expect(progressText()).toContain('0 of 10 files');
    const bar = await loader.getHarness(MatProgressBarHarness);
    expect(await bar.getValue()).toBe(0);
    // Saving again waits for the move.
    expect(
      await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=storage-save]' }))).isDisabled(),
    ).toBe(true);

    await waitPoll();
    backend.expectOne('/api/storage/moves/m-1').flush(move({ copiedFiles: 4, copiedBytes: 500 }));
    await settle();
    expect(progressText()).toContain('4 of 10 files');
    expect(await bar.getValue()).toBe(50);

    await waitPoll();
    backend
      .expectOne('/api/storage/moves/m-1')
      .flush(move({ state: 'completed', copiedFiles: 10, copiedBytes: 1000, finishedAt: '2026-01-01T10:01:00Z' }));
    await settle();
    expect(progressText()).toContain('Move completed');
    expect(await bar.getValue()).toBe(100);
    // Finished: no more polling.
    await waitPoll();
    backend.expectNone('/api/storage/moves/m-1');
  });

  it('shows a failed move with its errors, and retries it', async () => {
    await open({
      ...S3,
      move: move({
        state: 'failed',
        copiedFiles: 9,
        copiedBytes: 900,
        failedFiles: 1,
        errors: [{ path: 'setup/big.iso', message: 'checksum mismatch' }],
      }),
    });
    expect(progressText()).toContain('Move failed');
    expect(progressText()).toContain('setup/big.iso: checksum mismatch');
    expect(progressText()).toContain('1 failed');
    await waitPoll();
    backend.expectNone('/api/storage/moves/m-1'); // a failed move is not polled

    await (await loader.getHarness(MatButtonHarness.with({ text: 'Retry' }))).click();
    const retry = backend.expectOne('/api/storage/moves/m-1/retry');
    expect(retry.request.method).toBe('POST');
    retry.flush(move());
    await settle();
    expect(progressText()).toContain('Moving files to Amazon S3');
    expect(await loader.getAllHarnesses(MatButtonHarness.with({ text: 'Retry' }))).toHaveLength(0);
    await waitPoll();
    backend.expectOne('/api/storage/moves/m-1').flush(move({ state: 'completed', copiedFiles: 10, copiedBytes: 1000 }));
    await settle();
    expect(progressText()).toContain('Move completed');
  });

  it("shows the server's refusal of a retry and keeps the Retry button", async () => {
    await open({ ...S3, move: move({ state: 'failed' }) });
    await (await loader.getHarness(MatButtonHarness.with({ text: 'Retry' }))).click();
    backend
      .expectOne('/api/storage/moves/m-1/retry')
      .flush(
        { code: 'conflict', message: 'Only a failed move can be retried.' },
        { status: 409, statusText: 'Conflict' },
      );
    await settle();
    expect(document.querySelector('mat-snack-bar-container')?.textContent).toContain(
      'Only a failed move can be retried.',
    );
    expect(await loader.getAllHarnesses(MatButtonHarness.with({ text: 'Retry' }))).toHaveLength(1);
  });
});

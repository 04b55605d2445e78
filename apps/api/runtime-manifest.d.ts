/** Types of runtime-manifest.js (plain CommonJS, loaded by webpack.config.js). */
export interface RuntimeManifest {
  name: string;
  version: string;
  private: true;
  main: string;
  dependencies: Record<string, string>;
  engines?: Record<string, string>;
  devEngines: { packageManager: { name: 'npm'; version: string; onFail: 'error' } };
  allowScripts?: Record<string, boolean>;
}
export declare const RUNTIME_NPM_VERSION: string;
/** Package names a bundle's source loads at run time, each with the call that loads it. */
export declare function packagesLoadedBy(source: string): Map<string, string>;
/** The runtime package.json for a bundle's source; throws naming every package it cannot derive. */
export declare function deriveManifest(source: string): RuntimeManifest;
export declare class RuntimeManifestPlugin {
  constructor(options?: { bundle?: string });
  apply(compiler: unknown): void;
}

/** Storage settings of one asset directory, as ProGet shows them (`GET /api/storage?feed=X`). */
export interface StorageSettings {
  id: StorageKind;
  /** Secrets are never returned: a set secret reads as {@link MASKED_SECRET}. */
  properties: Record<string, string | boolean>;
  /** [ext] The directory's latest storage move while it is not completed (copying or failed). */
  move?: StorageMove;
}

export type StorageKind = 'disk' | 's3' | 'azure';

/** Sending this back for a secret keeps the stored one (so a client can round-trip GET → POST). */
export const MASKED_SECRET = '********';

export interface StoragePropertyInfo {
  name: string;
  type: 'string' | 'boolean';
  required: boolean;
  secret: boolean;
  description: string;
}

export interface StorageTypeInfo {
  id: StorageKind;
  name: string;
  properties: StoragePropertyInfo[];
}

export interface StorageTestResult {
  ok: boolean;
  steps: { step: 'connect' | 'write' | 'read' | 'delete'; ok: boolean; message: string }[];
}

export type StorageMoveState = 'copying' | 'completed' | 'failed';

/**
 * A directory's files moving to another storage (`GET /api/storage/moves/{id}`). New files go to
 * the new storage from the start; reads find files not copied yet where they were.
 */
export interface StorageMove {
  id: string;
  feed: string;
  state: StorageMoveState;
  /** Settings as `GET /api/storage?feed=` shows them (secrets masked). */
  from: StorageSettings;
  to: StorageSettings;
  startedBy: string;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** Files and bytes when the move started (files added since are copied too). */
  totalFiles: number;
  totalBytes: number;
  /** Files copied and verified (SHA-256 read back from the new storage) so far. */
  copiedFiles: number;
  copiedBytes: number;
  failedFiles: number;
  /** The first failures (path and reason) of the current pass. */
  errors: { path: string; message: string }[];
}

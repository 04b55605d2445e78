/** Storage settings of one asset directory, as ProGet shows them (`GET /api/storage?feed=X`). */
export interface StorageSettings {
  id: StorageKind;
  /** Secrets are never returned: a set secret reads as {@link MASKED_SECRET}. */
  properties: Record<string, string | boolean>;
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

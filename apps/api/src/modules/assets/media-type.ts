import mime from 'mime';

/** Content-Types clients send by habit, saying nothing about the file (spec §2). */
const UNSPECIFIC = new Set([
  '',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
]);
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\s*;.*)?$/;

export function isMediaType(value: string): boolean {
  return value.length <= 255 && MEDIA_TYPE.test(value) && !/[\r\n]/.test(value);
}

/** A specific Content-Type header, or undefined when it says nothing. */
export function specificMediaType(header: string | undefined): string | undefined {
  const value = header?.trim() ?? '';
  const essence = value.split(';')[0].trim().toLowerCase();
  if (UNSPECIFIC.has(essence) || !isMediaType(value)) return undefined;
  return value;
}

/** The media type from the request, else from the file extension (`mime`), else octet-stream. */
export function resolveMediaType(header: string | undefined, fileName: string): string {
  return specificMediaType(header) ?? mime.getType(fileName) ?? 'application/octet-stream';
}

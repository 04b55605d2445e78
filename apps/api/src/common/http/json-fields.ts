import { badRequest } from '../errors/app-error';

/** Small readers for JSON request bodies: each wrong field is a 400 naming it. */
export function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Expected a JSON object.');
  return body as Record<string, unknown>;
}

export function optionalString(body: Record<string, unknown>, field: string, maxLength = 10_000): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`"${field}" must be a string.`);
  if (v.length > maxLength) throw badRequest(`"${field}" is longer than ${maxLength} characters.`);
  return v;
}

export function requiredString(body: Record<string, unknown>, field: string, maxLength?: number): string {
  const v = optionalString(body, field, maxLength);
  if (v === undefined) throw badRequest(`"${field}" is required.`);
  return v;
}

export function optionalBool(body: Record<string, unknown>, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw badRequest(`"${field}" must be true or false.`);
  return v;
}

export function optionalStrings(body: Record<string, unknown>, field: string): string[] | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw badRequest(`"${field}" must be an array of strings.`);
  return v as string[];
}

/** Rejects fields the endpoint does not know (a typo should not be silently ignored). */
export function onlyFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(body).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw badRequest(`Unknown field "${unknown}": expected ${allowed.join(', ')}.`);
}

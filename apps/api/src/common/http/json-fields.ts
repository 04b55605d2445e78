import { badRequest } from '../errors/app-error';

/**
 * For a body that is not (yet) a request DTO (storage settings): a JSON object, or a 400. DTO
 * bodies are checked by `BodyValidationPipe` instead.
 */
export function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Expected a JSON object.');
  return body as Record<string, unknown>;
}

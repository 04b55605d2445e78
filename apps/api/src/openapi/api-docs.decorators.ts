import { ApiQuery, ApiResponse } from '@nestjs/swagger';
import { arrayOfRef, schemaRef, type SchemaName } from './response-schemas';

/*
 * Short forms of @nestjs/swagger's decorators for the controllers: what a route answers (a named
 * schema of openapi/response-schemas.ts, `[name]` for an array of it) and the query parameters it
 * reads (the controllers read queries with `Query`, which Nest's scanner cannot see).
 */

/** A JSON answer: `Answers(200, 'Feed')`, `Answers(200, ['Feed'])`, or no body: `Answers(204)`. */
export function Answers(status: number, body?: SchemaName | [SchemaName], description?: string): MethodDecorator {
  const schema = body === undefined ? undefined : Array.isArray(body) ? arrayOfRef(body[0]) : schemaRef(body);
  return ApiResponse({
    status,
    description: description ?? (body === undefined ? 'Done' : 'OK'),
    ...(schema ? { schema } : {}),
  });
}

/** An optional query parameter (`required` for one the route refuses to do without). */
export function QueryParam(
  name: string,
  description: string,
  type: 'string' | 'integer' | 'boolean' = 'string',
  required = false,
): MethodDecorator {
  return ApiQuery({ name, description, required, schema: { type } });
}

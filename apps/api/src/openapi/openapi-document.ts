import type { INestApplication } from '@nestjs/common';
import { ModulesContainer, Reflector } from '@nestjs/core';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
  type PathItemObject,
  type SecurityRequirementObject,
} from '@nestjs/swagger';
import { ACCESS_RULE, type AccessRule } from '../common/auth/access.decorator';
import { CSRF_COOKIE, SESSION_COOKIE } from '../modules/security/credentials';
import { ENDPOINT_ROUTES, endpointsPaths } from './endpoints-operations';
import { RESPONSE_SCHEMAS, schemaRef } from './response-schemas';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const SAFE = new Set(['get', 'head', 'options']);

/** `Controller_method` → the access rule the guard enforces on that handler. */
function accessRules(app: INestApplication): Map<string, AccessRule> {
  const reflector = new Reflector();
  const rules = new Map<string, AccessRule>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const proto = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const rule = reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [handler, controller]);
        if (rule) rules.set(`${controller.name}_${name}`, rule);
      }
    }
  }
  return rules;
}

function describeRule(rule: AccessRule): string {
  switch (rule.kind) {
    case 'public':
      return 'Access: public (no credentials read).';
    case 'anyone':
      return 'Access: anyone (credentials are checked when given; anonymous callers are answered too).';
    case 'authenticated':
      return 'Access: a signed-in user or an API key.';
    case 'global':
      return `Access: \`${rule.privilege}\` at global scope.`;
    case 'directory':
      return 'Access: privileges on the directory the request names (anonymous only where Anonymous holds them).';
  }
}

/** Who may call: the three credentials (a session's writes need the CSRF header too), or nobody for public routes. */
function securityFor(rule: AccessRule, method: string): SecurityRequirementObject[] {
  if (rule.kind === 'public') return [];
  const session: SecurityRequirementObject = SAFE.has(method) ? { session: [] } : { session: [], csrf: [] };
  const anonymous = rule.kind === 'anyone' || rule.kind === 'directory' ? [{}] : [];
  return [{ apiKey: [] }, { basic: [] }, session, ...anonymous];
}

function operationsOf(item: PathItemObject): [string, OperationObject][] {
  return METHODS.flatMap((m) => (item[m] ? [[m, item[m]] as [string, OperationObject]] : []));
}

/**
 * The OpenAPI 3 document of `/api` and `/endpoints`: Nest's scan of the controllers (request
 * bodies from the DTOs, responses from `@ApiOkResponse` & co.), the asset API's operation table,
 * the named response schemas, and each operation's security from the access rule its handler
 * declares.
 */
export function buildOpenApiDocument(app: INestApplication, version: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Stockroom')
    .setVersion(version)
    .setDescription(
      'The management API (`/api/...`, JSON; errors are `{code, message}`) and the ProGet-compatible asset ' +
        'API (`/endpoints/{directory}/...`; errors are `text/plain`). Credentials: an API key in `X-ApiKey` ' +
        '(or `X-ProGet-ApiKey`, or Basic with user `api`), Basic with a user name and password, or the ' +
        "console's session cookie, whose state-changing requests also carry the CSRF header. " +
        '`[ext]` marks additions to what ProGet offers.',
    )
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-ApiKey', description: 'An API key.' }, 'apiKey')
    .addBasicAuth(
      { type: 'http', scheme: 'basic', description: 'User and password, or user `api` and a key.' },
      'basic',
    )
    .addCookieAuth(
      SESSION_COOKIE,
      { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'Set by `POST /api/security/login`.' },
      'session',
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-XSRF-TOKEN',
        description: `With the session cookie on state-changing requests: the value of the \`${CSRF_COOKIE}\` cookie.`,
      },
      'csrf',
    )
    .build();
  const scanned = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller}_${method}`,
  });

  const rules = accessRules(app);
  const paths: OpenAPIObject['paths'] = {};
  for (const [path, item] of Object.entries(scanned.paths)) {
    // `/endpoints/*rest` is one catch-all handler: its operations come from ENDPOINT_ROUTES below.
    if (!path.startsWith('/api/')) continue;
    for (const [method, operation] of operationsOf(item)) {
      const rule = operation.operationId ? rules.get(operation.operationId) : undefined;
      if (!rule) throw new Error(`OpenAPI: ${method.toUpperCase()} ${path} has no access rule.`);
      operation.security = securityFor(rule, method);
      operation.description = [operation.description, describeRule(rule)].filter(Boolean).join('\n\n');
      operation.responses['4XX'] ??= {
        description: 'The request was refused (the body says why).',
        content: { 'application/json': { schema: schemaRef('ErrorResponse') } },
      };
    }
    paths[path] = item;
  }
  const assetPaths = endpointsPaths();
  for (const route of ENDPOINT_ROUTES) {
    const operation = assetPaths[`/endpoints/{directory}/${route.operation}/{path}`][route.method];
    if (operation) operation.security = securityFor({ kind: 'directory' }, route.method);
  }
  Object.assign(paths, assetPaths);

  return {
    ...scanned,
    paths,
    components: {
      ...scanned.components,
      schemas: { ...RESPONSE_SCHEMAS, ...scanned.components?.schemas },
    },
  };
}

import type { Route } from './route-table.ts';

const ERROR_SCHEMA = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        fields: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
        details: { type: 'object' },
      },
    },
  },
};

/** Strips TypeBox's symbol keys and our private `$` params so the schema is plain JSON Schema 2020-12. */
function clean(schema: any): any {
  return schema ? JSON.parse(JSON.stringify(schema)) : undefined;
}

/** OpenAPI 3.1 from the same route table the gateway serves — the document cannot drift from the API. */
export function buildOpenApi(routes: Route[], info: { version: string; serverUrl?: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const oaPath = r.path.replace(/:([a-zA-Z]+)/g, '{$1}');
    const schema = clean(r.spec.params) ?? { type: 'object', properties: {} };
    const props: Record<string, any> = schema.properties ?? {};
    const required: string[] = schema.required ?? [];
    const parameters: any[] = r.keys.map((k) => ({ name: k, in: 'path', required: true, schema: props[k] ?? { type: 'string' } }));
    const bodyProps: Record<string, any> = {};
    for (const [k, s] of Object.entries(props)) {
      if (r.keys.includes(k) || k.startsWith('$')) continue;
      // a raw-body route's body is the file: its other params come in the query string
      if (r.method === 'GET' || r.method === 'DELETE' || r.spec.rest!.raw) parameters.push({ name: k, in: 'query', required: required.includes(k), schema: s });
      else bodyProps[k] = s;
    }
    const op: Record<string, unknown> = {
      operationId: r.action,
      summary: r.spec.summary ?? r.action,
      tags: r.spec.tags ?? [],
      parameters,
      responses: {
        [String(r.spec.rest!.status)]: { description: 'OK', content: { 'application/json': { schema: clean(r.spec.response) ?? {} } } },
        '4XX': { description: 'Client error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    };
    if (r.spec.permission !== 'public') op.security = [{ bearer: [] }];
    if (Array.isArray(r.spec.permission)) op['x-permission'] = r.spec.permission;
    if (r.spec.idempotent) parameters.push({ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 } });
    if (r.spec.rest!.raw) op.requestBody = { required: true, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } };
    else if (Object.keys(bodyProps).length) {
      op.requestBody = { required: true, content: { 'application/json': { schema: { type: 'object', additionalProperties: false, properties: bodyProps, required: required.filter((k) => k in bodyProps) } } } };
    }
    (paths[oaPath] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Atrium API', version: info.version, description: 'Kernel and plugin routes of this Atrium node. Errors: `{ error: { code, message, fields? } }`.' },
    servers: info.serverUrl ? [{ url: info.serverUrl }] : [],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } }, schemas: { Error: ERROR_SCHEMA } },
    paths,
  };
}

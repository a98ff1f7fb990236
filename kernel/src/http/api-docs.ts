import path from 'node:path';
import { createRequire } from 'node:module';
import type { ServerResponse } from 'node:http';
import type { RouteTable } from './route-table.ts';
import { buildOpenApi } from './openapi.ts';
import { serveFile } from './static-files.ts';

const require = createRequire(import.meta.url);

const DOCS_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Atrium API</title><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><script id="api-reference" data-url="/api/openapi.json"></script><script src="/api/docs/standalone.js"></script></body></html>`;

/**
 * The API's own documentation: the OpenAPI 3.1 document built from the live route table (cached
 * until the routes change) and the Scalar reference UI that renders it at `/api/docs`.
 */
export class ApiDocs {
  private cached: unknown = null;
  private readonly routes: RouteTable;
  private readonly info: () => { version: string; serverUrl?: string };

  constructor(routes: RouteTable, info: () => { version: string; serverUrl?: string }) {
    this.routes = routes;
    this.info = info;
  }

  /** Call when the route table changed. */
  invalidate(): void {
    this.cached = null;
  }

  document(): unknown {
    return (this.cached ??= buildOpenApi(this.routes.list(), this.info()));
  }

  /** Serves `/api/openapi.json`, `/api/docs` and its script; false for any other path. */
  serve(res: ServerResponse, pathname: string): boolean {
    if (pathname === '/api/openapi.json') {
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(this.document()));
      return true;
    }
    if (pathname === '/api/docs') {
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(DOCS_PAGE);
      return true;
    }
    if (pathname === '/api/docs/standalone.js') {
      // the package exports no subpath for its browser build: find it beside its main entry (dist/)
      return serveFile(res, path.join(path.dirname(require.resolve('@scalar/api-reference')), 'browser'), 'standalone.js');
    }
    return false;
  }
}

import { ValidationError } from '@atrium/sdk';
import type { ActionSpec } from '../pipeline/action-spec.ts';

export type Route = { method: string; path: string; regex: RegExp; keys: string[]; action: string; spec: ActionSpec };

function compile(path: string): { regex: RegExp; keys: string[] } {
  const keys: string[] = [];
  const src = path
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        keys.push(seg.slice(1));
        return '([^/]+)';
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${src}/?$`), keys };
}

/** A path parameter as sent; malformed percent-encoding (`%E0%A4%A`) is the caller's error. */
function decodePathSegment(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ValidationError(`"${name}" in the URL is not valid percent-encoding`, [{ field: name, code: 'percentEncoding', message: 'is not valid percent-encoding' }]);
  }
}

/** REST routes built from the actions in the service registry (local and remote nodes alike). */
export class RouteTable {
  private routes: Route[] = [];

  rebuild(actions: { name: string; atrium?: ActionSpec }[]): void {
    const seen = new Set<string>();
    const routes: Route[] = [];
    for (const a of actions) {
      const spec = a.atrium;
      if (!spec?.rest) continue;
      const key = `${spec.rest.method} ${spec.rest.path}`;
      if (seen.has(key)) continue;
      seen.add(key);
      routes.push({ method: spec.rest.method, path: spec.rest.path, ...compile(spec.rest.path), action: a.name, spec });
    }
    // literal segments before parameters: `/plugins/current` must win over `/plugins/:id`
    routes.sort((a, b) => b.path.split('/').filter((s) => !s.startsWith(':')).length - a.path.split('/').filter((s) => !s.startsWith(':')).length);
    this.routes = routes;
  }

  match(method: string, path: string): { route?: Route; params?: Record<string, string>; methodNotAllowed?: string[] } {
    const allowed: string[] = [];
    for (const r of this.routes) {
      const m = r.regex.exec(path);
      if (!m) continue;
      if (r.method !== method) {
        allowed.push(r.method);
        continue;
      }
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => (params[k] = decodePathSegment(k, m[i + 1])));
      return { route: r, params };
    }
    return allowed.length ? { methodNotAllowed: allowed } : {};
  }

  list(): Route[] {
    return this.routes;
  }
}

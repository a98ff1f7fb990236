import crypto from 'node:crypto';
import type { HttpResult, TestClient, TestKernel } from './create-test-kernel.ts';

/**
 * Row rules hold on every path — checked from the running platform itself, so every subject and
 * route of every loaded plugin is covered without anyone listing them:
 *
 * - every subject that declares condition fields gets a role whose rules (on all its actions but
 *   `create`) carry a condition no row matches (`{ id: <random uuid> }`); a member with that role
 *   must see every list of the subject empty and get 403/404 from every route that reads, changes
 *   or deletes one of its rows (ids taken from the owner's lists) — and nothing may change;
 * - every subject that declares none must refuse a rule with conditions (422 naming the field).
 *
 * Routes and their permissions come from the live OpenAPI document (`x-permission`), their params
 * from its schemas. Rows must exist: seed them before (the report names a subject with none).
 */

type Schema = Record<string, any>;
type Operation = { method: string; path: string; keys: string[]; action: string; subject: string; query: Schema[]; body?: Schema; raw: boolean };
type CatalogItem = { subject: string; actions: string[]; conditions?: Record<string, string | { type: string; column?: string }> };

export type RowRulesOutcome = { route: string; status: number; ok: boolean; note?: string };
export type RowRulesReport = {
  /** Subjects with condition fields: what a member whose rules match nothing got from each route. */
  checked: { subject: string; rule: Record<string, unknown>; routes: RowRulesOutcome[] }[];
  /** Subjects without condition fields: a role with a condition on them was refused. */
  refused: { subject: string; status: number; field?: string; ok: boolean }[];
  /** Everything that is wrong, one line each — a passing check has none. */
  problems: string[];
};

const WRITE_ONLY = new Set(['create', 'manage']);

function operations(doc: any): Operation[] {
  const out: Operation[] = [];
  for (const [oaPath, methods] of Object.entries<any>(doc.paths ?? {})) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const perm = op['x-permission'];
      if (!Array.isArray(perm)) continue;
      const params: any[] = op.parameters ?? [];
      const body = op.requestBody?.content?.['application/json']?.schema;
      out.push({
        method: method.toUpperCase(),
        path: oaPath.replace(/\{(\w+)\}/g, ':$1'),
        keys: params.filter((p) => p.in === 'path').map((p) => p.name),
        action: perm[0],
        subject: perm[1],
        query: params.filter((p) => p.in === 'query'),
        body,
        raw: !!op.requestBody?.content?.['*/*'],
      });
    }
  }
  return out;
}

/** A value that satisfies a (simple) JSON Schema, preferring `hint` when it fits. */
function sample(s: Schema | undefined, hint?: unknown): unknown {
  if (!s) return hint ?? 'x';
  if (hint !== undefined && hint !== null && fits(s, hint)) return hint;
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const alt = s.anyOf ?? s.oneOf;
  if (Array.isArray(alt)) return sample(alt.find((x: Schema) => x.type !== 'null') ?? alt[0], hint);
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== 'null') : s.type;
  switch (type) {
    case 'integer':
    case 'number': {
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1);
      return Math.min(Math.max(min, 1), s.maximum ?? Number.MAX_SAFE_INTEGER);
    }
    case 'boolean': return false;
    case 'array': return Array.from({ length: s.minItems ?? 0 }, () => sample(s.items));
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const k of s.required ?? []) o[k] = sample(s.properties?.[k]);
      return o;
    }
    default: {
      if (s.format === 'uuid') return crypto.randomUUID();
      if (s.format === 'date-time') return new Date().toISOString();
      if (s.format === 'date') return new Date().toISOString().slice(0, 10);
      if (s.format === 'email') return 'row-rules@example.test';
      const len = Math.min(Math.max(s.minLength ?? 1, 8), s.maxLength ?? 8);
      const candidates = ['row rules check'.slice(0, Math.max(len, 3)).padEnd(len, 'x'), 'abcdefgh'.slice(0, len), 'ABC12345'.slice(0, len), '12345678'.slice(0, len), 'a'.repeat(len), '12:00'];
      return candidates.find((c) => !s.pattern || new RegExp(s.pattern, 'u').test(c)) ?? candidates[0];
    }
  }
}

function fits(s: Schema, v: unknown): boolean {
  const type = Array.isArray(s.type) ? s.type : [s.type];
  if (s.enum) return s.enum.includes(v);
  if (Array.isArray(v)) return type.includes('array') && v.length >= (s.minItems ?? 0) && v.every((x) => fits(s.items ?? {}, x));
  if (typeof v === 'string') return type.includes('string') && (!s.pattern || new RegExp(s.pattern, 'u').test(v)) && (s.maxLength === undefined || v.length <= s.maxLength);
  if (typeof v === 'number') return (type.includes('integer') && Number.isInteger(v)) || type.includes('number');
  if (typeof v === 'boolean') return type.includes('boolean');
  return false;
}

const itemsOf = (r: HttpResult): Record<string, unknown>[] | null => (r.status === 200 && Array.isArray(r.body?.items) ? r.body.items : null);

/** A value of the field's type that no stored row has. */
function matchesNothing(type: string): unknown {
  if (type === 'uuid') return crypto.randomUUID();
  if (type === 'string') return `row-rules-nothing-${crypto.randomBytes(6).toString('hex')}`;
  return undefined;
}

export async function checkRowRules(
  tk: TestKernel,
  opts: {
    /** The tenant (name given to createTestKernel) whose seeded rows are used. */
    tenant: string;
    /** A member who may do everything (the owner). */
    owner: TestClient;
    /** Limit the check to some subjects (default: all that the platform knows). */
    subjects?: (subject: string) => boolean;
  },
): Promise<RowRulesReport> {
  const { owner } = opts;
  const report: RowRulesReport = { checked: [], refused: [], problems: [] };
  const doc = (await owner.get('/api/openapi.json')).body;
  const ops = operations(doc);
  const catalog = (await owner.get('/api/rbac/permissions')).body.items as CatalogItem[];
  const call = (c: TestClient, op: Operation, params: Record<string, unknown>) => {
    const path = op.path.replace(/:(\w+)/g, (_m, k) => encodeURIComponent(String(params[k])));
    const query: Record<string, string> = {};
    const body: Record<string, unknown> = {};
    for (const q of op.query) if (params[q.name] !== undefined) query[q.name] = String(params[q.name]);
    for (const k of Object.keys(op.body?.properties ?? {})) if (params[k] !== undefined) body[k] = params[k];
    if (op.raw) return c.request(op.method, path, { query, raw: 'row rules check', headers: { 'content-type': 'text/csv' } });
    return c.request(op.method, path, { query, ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { body }) });
  };
  const listsOf = (subject: string) => ops.filter((o) => o.subject === subject && o.method === 'GET' && !o.keys.length && o.action === 'read');

  for (const entry of catalog) {
    const { subject } = entry;
    if (opts.subjects && !opts.subjects(subject)) continue;
    const actions = entry.actions.filter((a) => !WRITE_ONLY.has(a));
    const declared = Object.entries(entry.conditions ?? {}).map(([name, d]) => ({ name, type: typeof d === 'string' ? d : d.type }));

    if (!declared.length) {
      // a subject that cannot enforce conditions must refuse them
      const r = await owner.post('/api/rbac/roles', { name: `rr-${crypto.randomBytes(4).toString('hex')}`, rules: [{ action: actions[0] ?? 'read', subject, conditions: { id: crypto.randomUUID() } }] });
      const field = r.body?.error?.fields?.[0]?.field as string | undefined;
      const ok = r.status === 422 && !!field?.startsWith('rules.0.conditions');
      report.refused.push({ subject, status: r.status, field, ok });
      if (!ok) report.problems.push(`${subject} declares no condition fields, yet a rule with conditions on it was answered ${r.status} (expected 422 naming rules.0.conditions): ${JSON.stringify(r.body)}`);
      continue;
    }

    const key = declared.find((f) => f.name === 'id') ?? declared.find((f) => f.type === 'uuid') ?? declared.find((f) => f.type === 'string');
    const nothing = key && matchesNothing(key.type);
    if (!key || nothing === undefined) {
      report.problems.push(`${subject}: no uuid or string condition field to build a rule that matches nothing`);
      continue;
    }
    const rule = { [key.name]: nothing };
    const role = `rr-${crypto.randomBytes(4).toString('hex')}`;
    const created = await owner.post('/api/rbac/roles', { name: role, rules: [{ action: actions, subject, conditions: rule }] });
    if (created.status !== 201) {
      report.problems.push(`${subject}: the role with rule ${JSON.stringify(rule)} was refused: ${created.status} ${JSON.stringify(created.body)}`);
      continue;
    }
    const member = await tk.addMember(opts.tenant, `${role}@row-rules.test`, [role]);

    // the rows as the owner sees them: what the restricted member must not reach
    const rows: Record<string, unknown>[] = [];
    const totals = new Map<string, number>();
    for (const list of listsOf(subject)) {
      const items = itemsOf(await call(owner, list, {}));
      if (!items) continue;
      rows.push(...items);
      totals.set(list.path, items.length);
    }
    const outcome: (typeof report.checked)[number] = { subject, rule, routes: [] };
    report.checked.push(outcome);
    const routes = ops.filter((o) => o.subject === subject && actions.includes(o.action));
    if (!routes.length) continue;
    if (!rows.length) {
      report.problems.push(`${subject}: the owner's lists show no rows, so nothing can be checked — seed some (routes: ${routes.map((o) => `${o.method} ${o.path}`).join(', ')})`);
      continue;
    }

    for (const op of routes) {
      const name = `${op.method} ${op.path}`;
      const note = (status: number, ok: boolean, text?: string) => {
        outcome.routes.push({ route: name, status, ok, note: text });
        if (!ok) report.problems.push(`${subject} ${name}: ${text ?? `answered ${status}`} to a member whose rules match no row`);
      };
      if (!op.keys.length) {
        if (op.method !== 'GET') continue; // a route on no row (a create-like POST): nothing to filter
        const mine = await call(member, op, {});
        const items = itemsOf(mine);
        if (mine.status === 403 || mine.status === 404) note(mine.status, true);
        else if (items) note(mine.status, items.length === 0 && (mine.body.total === undefined || mine.body.total === 0), items.length ? `listed ${items.length} row(s): ${JSON.stringify(items[0]).slice(0, 200)}` : `total says ${mine.body.total}`);
        else note(mine.status, false, `answered ${mine.status} with something that is not a list: ${JSON.stringify(mine.body).slice(0, 200)}`);
        continue;
      }
      // a row the owner sees, its values for the path params; body and query from the schemas
      const row = rows.find((r) => op.keys.every((k) => r[k] !== undefined && r[k] !== null)) ?? rows[0]!;
      // values from the row where they fit (a version, a role), else from the schema; when the
      // row's values make a request the route refuses (400), once more with schema values only
      const request = (hints: Record<string, unknown>) => {
        const params: Record<string, unknown> = {};
        for (const k of op.keys) params[k] = row[k] ?? row.id;
        for (const q of op.query) if (q.required) params[q.name] = sample(q.schema, hints[q.name]);
        for (const k of op.body?.required ?? []) params[k] = sample(op.body!.properties?.[k], hints[k]);
        return call(member, op, params);
      };
      let r = await request(row);
      if (r.status === 400) r = await request({});
      if (r.status === 403 || r.status === 404) note(r.status, true);
      else if (r.status === 400) note(r.status, false, `the check could not build a valid request (${JSON.stringify(r.body?.error?.fields ?? r.body).slice(0, 200)}): give the route a simpler schema or check it by hand`);
      else note(r.status, false, `answered ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
    }

    // nothing the member did changed what the owner sees
    for (const list of listsOf(subject)) {
      const before = totals.get(list.path);
      if (before === undefined) continue;
      const after = itemsOf(await call(owner, list, {}))?.length;
      if (after !== before) report.problems.push(`${subject} GET ${list.path}: the owner saw ${before} row(s) before the check and ${after} after it`);
    }
  }
  return report;
}

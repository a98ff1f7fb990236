/**
 * `npm run bench [-- <prefix>] [-- --write-readme]`: runs the benchmark modules, prints one JSON
 * object per metric `{ metric, value, unit, anchor, anchorValue, ratio, at, load }` and merges them
 * into bench/results/latest.jsonl (a run limited to a prefix replaces only its own metrics; each
 * line says when it was measured and the machine's 1-minute load then). Anchors are measured in the
 * same run — a hand-written stack doing the same work (bare-stack.ts), a bare Moleculer call,
 * pgbench on the same Postgres — so ratios are comparable across machines; absolute numbers are not.
 * A prefix keeps the metrics it names and the anchors they are measured against.
 *
 * `--write-readme` then rewrites the README's performance table from latest.jsonl (readme-table.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchResult } from './bench-env.ts';
import { writeReadmeTable, type StoredResult } from './readme-table.ts';

const here = import.meta.dirname;
const args = process.argv.slice(2);
const prefix = args.find((a) => !a.startsWith('-')) ?? '';

/** Each module and the metric-name prefixes it produces (so a prefix filter can skip it). */
const MODULES: { file: string; produces: string[] }[] = [
  { file: 'kernel.bench.ts', produces: ['kernel.', 'node.'] },
  { file: 'http.bench.ts', produces: ['http.', 'bare.http', 'pgbench.'] },
  { file: 'tenant.bench.ts', produces: ['tenant.'] },
  { file: 'admin.bench.ts', produces: ['admin.'] },
  { file: 'devices.bench.ts', produces: ['devices.'] },
  { file: 'payments.bench.ts', produces: ['payments.'] },
  { file: 'pos.bench.ts', produces: ['pos.catalog'] },
  { file: 'pos-sales.bench.ts', produces: ['pos.sale', 'bare.pos'] },
  { file: 'messaging.bench.ts', produces: ['messaging.', 'bare.messaging'] },
  { file: 'school.bench.ts', produces: ['school.', 'pg.school.'] },
  { file: 'salon.bench.ts', produces: ['salon.'] },
];

const wanted = (name: string) => !prefix || name.startsWith(prefix);
const relevant = (m: { produces: string[] }) => !prefix || m.produces.some((p) => p.startsWith(prefix) || prefix.startsWith(p));

const outDir = path.join(here, 'results');
const latest = path.join(outDir, 'latest.jsonl');
fs.mkdirSync(outDir, { recursive: true });
const fresh: StoredResult[] = [];
let failed = false;

for (const mod of MODULES.filter(relevant)) {
  const file = path.join(here, mod.file);
  if (!fs.existsSync(file)) continue;
  try {
    const m = await import(pathToFileURL(file).href);
    const run: (opts: { prefix: string }) => Promise<BenchResult[]> = m.default ?? m.run;
    const results = await run({ prefix });
    // the metrics asked for, and the anchors they were measured against
    const kept = results.filter((r) => wanted(r.metric));
    const anchors = new Set(kept.map((r) => r.anchor).filter(Boolean));
    const at = new Date().toISOString();
    const load = Math.round(os.loadavg()[0] * 100) / 100;
    for (const r of results.filter((x) => wanted(x.metric) || anchors.has(x.metric))) {
      const ratio = r.ratio ?? (r.anchorValue ? Math.round((r.value / r.anchorValue) * 1000) / 1000 : undefined);
      const line: StoredResult = { metric: r.metric, value: r.value, unit: r.unit, anchor: r.anchor ?? null, anchorValue: r.anchorValue ?? null, ratio: ratio ?? null, at, load };
      console.log(JSON.stringify(line));
      fresh.push(line);
    }
  } catch (e) {
    failed = true;
    console.error(`[bench] ${mod.file} failed: ${(e as Error).stack ?? e}`);
  }
}

// merge: this run's metrics replace their earlier values; metrics it did not measure stay
const merged = new Map<string, StoredResult>();
if (prefix && fs.existsSync(latest)) {
  for (const l of fs.readFileSync(latest, 'utf8').split('\n').filter(Boolean)) {
    const r = JSON.parse(l) as StoredResult;
    merged.set(r.metric, r);
  }
}
for (const r of fresh) merged.set(r.metric, r);
const all = [...merged.values()];
fs.writeFileSync(latest, all.map((r) => JSON.stringify(r)).join('\n') + (all.length ? '\n' : ''));
if (args.includes('--write-readme')) {
  const file = writeReadmeTable(path.resolve(here, '..', 'README.md'), all);
  console.error(`[bench] performance table written to ${file}`);
}
process.exit(failed ? 1 : 0);

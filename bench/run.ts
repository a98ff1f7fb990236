/**
 * `npm run bench [-- <prefix>]`: runs the benchmark modules, prints one JSON object per metric
 * `{ metric, value, unit, anchor, anchorValue, ratio }` and writes them to bench/results/latest.jsonl.
 * Anchors are measured in the same run (bare Moleculer call, pgbench on the same Postgres), so
 * ratios are comparable across machines; absolute numbers are not.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchResult } from './bench-env.ts';

const here = import.meta.dirname;
const prefix = process.argv.slice(2).find((a) => !a.startsWith('-')) ?? '';

/** Each module and the metric-name prefixes it produces (so a prefix filter can skip it). */
const MODULES: { file: string; produces: string[] }[] = [
  { file: 'kernel.bench.ts', produces: ['kernel.', 'tenant.provision', 'node.'] },
  { file: 'http.bench.ts', produces: ['http.', 'bare.http', 'pgbench.'] },
  { file: 'admin.bench.ts', produces: ['admin.'] },
  { file: 'devices.bench.ts', produces: ['devices.'] },
  { file: 'payments.bench.ts', produces: ['payments.'] },
  { file: 'pos.bench.ts', produces: ['pos.catalog'] },
  { file: 'pos-sales.bench.ts', produces: ['pos.sale'] },
];

const wanted = (name: string) => !prefix || name.startsWith(prefix);
const relevant = (m: { produces: string[] }) => !prefix || m.produces.some((p) => p.startsWith(prefix) || prefix.startsWith(p));

const outDir = path.join(here, 'results');
fs.mkdirSync(outDir, { recursive: true });
const lines: string[] = [];
let failed = false;

for (const mod of MODULES.filter(relevant)) {
  const file = path.join(here, mod.file);
  if (!fs.existsSync(file)) continue;
  try {
    const m = await import(pathToFileURL(file).href);
    const run: (opts: { prefix: string }) => Promise<BenchResult[]> = m.default ?? m.run;
    const results = await run({ prefix });
    for (const r of results) {
      if (!wanted(r.metric)) continue;
      const ratio = r.ratio ?? (r.anchorValue ? Math.round((r.value / r.anchorValue) * 1000) / 1000 : undefined);
      const line = JSON.stringify({ metric: r.metric, value: r.value, unit: r.unit, anchor: r.anchor ?? null, anchorValue: r.anchorValue ?? null, ratio: ratio ?? null });
      console.log(line);
      lines.push(line);
    }
  } catch (e) {
    failed = true;
    console.error(`[bench] ${mod.file} failed: ${(e as Error).stack ?? e}`);
  }
}

fs.writeFileSync(path.join(outDir, 'latest.jsonl'), lines.join('\n') + (lines.length ? '\n' : ''));
process.exit(failed ? 1 : 0);

/**
 * The README's performance table, written from bench/results/latest.jsonl by
 * `npm run bench -- --write-readme`: the headline metrics below, in this order, each with its
 * anchor measured in the same run, the ratio, the goal, and when and under what machine load it
 * was measured. Everything between the two markers in README.md is replaced.
 */
import fs from 'node:fs';
import os from 'node:os';

export type StoredResult = { metric: string; value: number; unit: string; anchor: string | null; anchorValue: number | null; ratio: number | null; at?: string; load?: number };

const START = '<!-- bench:table:start (npm run bench -- --write-readme) -->';
const END = '<!-- bench:table:end -->';

/** What the table shows, and the goal each is held to (`ratio`: the ratio column is compared; otherwise the value). */
const HEADLINES: { metric: string; what: string; goal?: { on: 'value' | 'ratio'; op: '≥' | '≤'; target: number; unit?: string } }[] = [
  { metric: 'http.read.throughput', what: 'GET a page of 20 notes with the total (64 connections)', goal: { on: 'ratio', op: '≥', target: 0.8 } },
  { metric: 'http.read.latency.p99.ratio', what: 'its p99 ÷ the bare p99', goal: { on: 'value', op: '≤', target: 1.5, unit: '×' } },
  { metric: 'http.read.cpu_per_request', what: 'CPU per read: server + PostgreSQL + Redis (ratio bare ÷ platform)' },
  { metric: 'http.write.throughput', what: 'POST a note with an Idempotency-Key (16 connections)', goal: { on: 'ratio', op: '≥', target: 0.8 } },
  { metric: 'http.write.cpu_per_request', what: 'CPU per write (ratio bare ÷ platform)' },
  { metric: 'pos.sale.throughput', what: 'POS sale: 3 lines, cash + card, 16 tills', goal: { on: 'ratio', op: '≥', target: 0.8 } },
  { metric: 'pos.sale.throughput.p95', what: 'its p95 at 16 tills', goal: { on: 'value', op: '≤', target: 50, unit: 'ms' } },
  { metric: 'pos.sale.cpu_per_sale', what: 'CPU per sale (ratio bare ÷ platform)' },
  { metric: 'node.rss', what: 'resident memory after boot, every first-party plugin loaded', goal: { on: 'value', op: '≤', target: 200, unit: 'MB' } },
  { metric: 'tenant.provision.p95', what: 'sign-up → plugin enabled → first note', goal: { on: 'value', op: '≤', target: 300, unit: 'ms' } },
  { metric: 'tenant.scale.read.p95.ratio', what: 'list p95, 1,000 tenants × 3 plugins ÷ 1 tenant', goal: { on: 'value', op: '≤', target: 1.2, unit: '×' } },
  { metric: 'kernel.call.overhead', what: 'the pipeline around an action with no database work' },
  { metric: 'payments.webhook.throughput', what: 'verified Stripe webhooks end to end', goal: { on: 'value', op: '≥', target: 500, unit: '/s' } },
  { metric: 'pos.catalog.search.barcode.p95', what: 'barcode lookup over 100,000 products', goal: { on: 'value', op: '≤', target: 10, unit: 'ms' } },
  { metric: 'pos.catalog.search.text.p95', what: 'text search over 100,000 products', goal: { on: 'value', op: '≤', target: 10, unit: 'ms' } },
  { metric: 'devices.print.latency.p95', what: 'receipt: API → agent → printer confirmed', goal: { on: 'value', op: '≤', target: 50, unit: 'ms' } },
  { metric: 'messaging.inbound.throughput', what: 'signed WhatsApp webhooks stored once and dispatched to a subscriber (20 % duplicates)', goal: { on: 'value', op: '≥', target: 500, unit: '/s' } },
  { metric: 'messaging.inbound.cpu_per_webhook', what: 'CPU per webhook (ratio bare ÷ platform)' },
  { metric: 'messaging.inbound.duplicates', what: 'messages stored or dispatched twice', goal: { on: 'value', op: '≤', target: 0 } },
  { metric: 'messaging.send.latency.p95', what: 'reply API call → the fake Telegram receives sendMessage (20/s)', goal: { on: 'value', op: '≤', target: 50, unit: 'ms' } },
];

const num = (n: number) => (Math.abs(n) >= 100 ? n.toLocaleString('en-US', { maximumFractionDigits: 0 }) : String(n));

export function readmeTable(results: StoredResult[]): string {
  const by = new Map(results.map((r) => [r.metric, r]));
  const rows = HEADLINES.filter((h) => by.has(h.metric)).map((h) => {
    const r = by.get(h.metric)!;
    const anchor = r.anchor ? `${r.anchor}${r.anchorValue !== null ? ` = ${num(r.anchorValue)}` : ''}` : '—';
    let goal = '';
    if (h.goal) {
      const v = h.goal.on === 'ratio' ? r.ratio : r.value;
      const met = v === null ? null : h.goal.op === '≥' ? v >= h.goal.target : v <= h.goal.target;
      goal = `${h.goal.on === 'ratio' ? 'ratio ' : ''}${h.goal.op} ${h.goal.target}${h.goal.unit ? ` ${h.goal.unit}` : ''} ${met === null ? '' : met ? '✔' : '✘'}`.trim();
    }
    const when = r.at ? `${r.at.slice(0, 10)}, load ${r.load ?? '?'}` : '';
    return `| \`${h.metric}\` — ${h.what} | ${num(r.value)} ${r.unit} | ${anchor} | ${r.ratio ?? '—'} | ${goal} | ${when} |`;
  });
  const cpu = os.cpus();
  return [
    `Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; "load" is the 1-minute load average when the metric's module finished (the box is shared: higher load, lower absolute numbers — the ratios, measured in the same run, move much less).`,
    '',
    '| metric | value | anchor (same run) | ratio | goal | measured |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** Replaces the table between the markers (which must be there) and returns the file written. */
export function writeReadmeTable(readme: string, results: StoredResult[]): string {
  const text = fs.readFileSync(readme, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${readme} has no performance table markers (${START} … ${END})`);
  fs.writeFileSync(readme, `${text.slice(0, a + START.length)}\n${readmeTable(results)}\n${text.slice(b)}`);
  return readme;
}

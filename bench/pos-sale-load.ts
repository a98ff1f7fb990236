/**
 * Load generator for `pos.sale.throughput`, run as its own process so it does not share the
 * kernel's event loop: `terminals` concurrent tills, each posting sales one after another (3 lines,
 * card + cash) on its own register for `seconds`, every sale with a fresh client id and
 * Idempotency-Key. Prints one JSON line: { count, errors, statuses, latencies (ms, sorted) }.
 */
import crypto from 'node:crypto';

type Args = { url: string; token: string; registers: string[]; products: { id: string; price: number }[]; seconds: number };
const args: Args = JSON.parse(process.argv[2]);

const latencies: number[] = [];
const statuses: Record<number, number> = {};
let errors = 0;
const deadline = Date.now() + args.seconds * 1000;

async function till(registerId: string): Promise<void> {
  while (Date.now() < deadline) {
    const picks = Array.from({ length: 3 }, () => args.products[Math.floor(Math.random() * args.products.length)]);
    const uniq = [...new Map(picks.map((p) => [p.id, p])).values()];
    const total = uniq.reduce((a, p) => a + p.price, 0);
    const cash = Math.floor(total / 3);
    const body = {
      id: crypto.randomUUID(),
      registerId,
      lines: uniq.map((p) => ({ productId: p.id, qtyMilli: 1000 })),
      payments: [{ method: 'card', amount: total - cash, reference: 'BENCH' }, { method: 'cash', amount: cash, tendered: cash + 100 }],
    };
    const t = performance.now();
    try {
      const r = await fetch(`${args.url}/api/pos/sales`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${args.token}`, 'idempotency-key': `bench-${body.id}` },
        body: JSON.stringify(body),
      });
      await r.arrayBuffer();
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.status === 201) latencies.push(performance.now() - t);
      else errors++;
    } catch {
      errors++;
    }
  }
}

await Promise.all(args.registers.map((r) => till(r)));
latencies.sort((a, b) => a - b);
console.log(JSON.stringify({ count: latencies.length, errors, statuses, latencies }));

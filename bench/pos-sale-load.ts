/**
 * Load generator for `pos.sale.throughput`, run as its own process so it does not share the
 * kernel's event loop: `terminals` concurrent tills, each posting sales one after another (3 lines,
 * card + cash) on its own register for `seconds`, every sale with a fresh client id and
 * Idempotency-Key. Prints one JSON line: { count, errors, statuses, firstError, latencies (ms, sorted) }.
 *
 * Requests go through `http.request` on a keep-alive agent (one socket per till), not `fetch`:
 * the generator shares the machine's two cores with the kernel and PostgreSQL, and undici's
 * fetch cost about twice the CPU per request — time taken from the system being measured.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { text } from 'node:stream/consumers';

type Args = { url: string; token: string; registers: string[]; products: { id: string; price: number }[]; seconds: number };
const args: Args = JSON.parse(await text(process.stdin)); // runChild (bench-env.ts) writes them to stdin

const latencies: number[] = [];
const statuses: Record<number, number> = {};
let errors = 0;
/** The first answer that was not a 201 (status and body), so a failing run says why. */
let firstError: { status: number; body: string } | null = null;
const deadline = Date.now() + args.seconds * 1000;
const agent = new http.Agent({ keepAlive: true, maxSockets: args.registers.length });
const target = new URL('/api/pos/sales', args.url);
const COIN = 100;

/** POSTs one JSON body; resolves with the status once the whole response has been read. */
function post(body: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(target, {
      method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${args.token}`, 'idempotency-key': key },
    }, (res) => {
      const status = res.statusCode ?? 0;
      if (status !== 201 && !firstError) {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => void (body += c));
        res.on('end', () => { firstError ??= { status, body: body.slice(0, 500) }; resolve(status); });
      } else {
        res.resume();
        res.on('end', () => resolve(status));
      }
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function till(registerId: string): Promise<void> {
  while (Date.now() < deadline) {
    const picks = Array.from({ length: 3 }, () => args.products[Math.floor(Math.random() * args.products.length)]);
    const uniq = [...new Map(picks.map((p) => [p.id, p])).values()];
    const total = uniq.reduce((a, p) => a + p.price, 0);
    // cash in whole coins (the bench shop's currency is the default KZT: cash is paid in whole
    // tenge, 100 minor units), so the POS's rounding of cash to the coin leaves it as it is
    const cash = Math.floor(total / 3 / COIN) * COIN;
    const body = {
      id: crypto.randomUUID(),
      registerId,
      lines: uniq.map((p) => ({ productId: p.id, qtyMilli: 1000 })),
      payments: [{ method: 'card', amount: total - cash, reference: 'BENCH' }, { method: 'cash', amount: cash, tendered: cash + 100 }],
    };
    const t = performance.now();
    try {
      const status = await post(JSON.stringify(body), `bench-${body.id}`);
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === 201) latencies.push(performance.now() - t);
      else errors++;
    } catch {
      errors++;
    }
  }
}

await Promise.all(args.registers.map((r) => till(r)));
latencies.sort((a, b) => a - b);
console.log(JSON.stringify({ count: latencies.length, errors, statuses, firstError, latencies }));

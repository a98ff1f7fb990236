/**
 * A closed-loop GET load generator in its own process (it must not share the measured server's
 * event loop): `concurrency` loops, each sending the next request as soon as the previous answer
 * has been read, for `seconds`; request i carries token i mod tokens.length, so the load can be
 * spread over many tenants. Prints one JSON line: { count, errors, latencies (ms, sorted) }.
 * `http.request` on a keep-alive agent (autocannon cannot vary a header per request).
 */
import http from 'node:http';
import { text } from 'node:stream/consumers';

type Args = { url: string; tokens: string[]; concurrency: number; seconds: number };
const args: Args = JSON.parse(await text(process.stdin)); // runChild (bench-env.ts) writes them to stdin

const agent = new http.Agent({ keepAlive: true, maxSockets: args.concurrency });
const target = new URL(args.url);
const latencies: number[] = [];
let errors = 0;
let next = 0;
const deadline = Date.now() + args.seconds * 1000;

function get(token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(target, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function loop(): Promise<void> {
  while (Date.now() < deadline) {
    const token = args.tokens[next++ % args.tokens.length];
    const t = performance.now();
    const status = await get(token).catch(() => 0);
    if (status === 200) latencies.push(performance.now() - t);
    else errors++;
  }
}

await Promise.all(Array.from({ length: args.concurrency }, loop));
latencies.sort((a, b) => a - b);
console.log(JSON.stringify({ count: latencies.length, errors, latencies }));

import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export type EmbeddedService = 'postgres' | 'redis';

const BASES: Record<EmbeddedService, number> = { postgres: 54000, redis: 63000 };
const FILE = 'embedded-ports.json';

/** Whether nothing listens on 127.0.0.1:`port` (and, for PostgreSQL, no server holds its Unix socket in /tmp). */
export function portFree(port: number, service?: EmbeddedService): Promise<boolean> {
  if (service === 'postgres' && socketHeld(port)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A PostgreSQL socket lock file whose server is alive (its pid is the file's first line). */
function socketHeld(port: number): boolean {
  try {
    const pid = Number(fs.readFileSync(`/tmp/.s.PGSQL.${port}.lock`, 'utf8').split('\n')[0]);
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The ports of a node's private PostgreSQL and redis-server. A port set explicitly
 * (ATRIUM__DATABASE__EMBEDDED_PORT, ATRIUM__REDIS__EMBEDDED_PORT) is used as it is. Otherwise the
 * port is chosen on first start and remembered in the data directory (`embedded-ports.json`), so
 * two nodes with different data directories on one machine never take the same ports (`choose`).
 * A remembered port that another program has taken since is chosen anew.
 * Only services in `needed` are resolved (an external database or Redis needs no port).
 */
export async function embeddedPorts(dataDir: string, explicit: Partial<Record<EmbeddedService, number>>, needed: EmbeddedService[]): Promise<Partial<Record<EmbeddedService, number>>> {
  const file = path.join(dataDir, FILE);
  let remembered: Partial<Record<EmbeddedService, number>> = {};
  try {
    remembered = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    // first start (or an unreadable file): choose again
  }
  const out: Partial<Record<EmbeddedService, number>> = {};
  let changed = false;
  for (const service of needed) {
    if (explicit[service]) {
      out[service] = explicit[service];
      continue;
    }
    const known = remembered[service];
    if (known && (await portFree(known, service))) {
      out[service] = known;
      continue;
    }
    out[service] = await choose(service, dataDir, Object.values(out) as number[]);
    changed = true;
  }
  if (changed) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ ...remembered, ...out }, null, 2) + '\n');
  }
  return out;
}

/**
 * The first free port of a range of 1,000 above the service's base, starting at an offset derived
 * from the data directory's path: two nodes started at the same moment with different data
 * directories start their search at different ports, so they do not both find the same one free.
 */
async function choose(service: EmbeddedService, dataDir: string, taken: number[]): Promise<number> {
  const base = BASES[service];
  const offset = crypto.createHash('sha256').update(path.resolve(dataDir)).digest().readUInt16BE(0) % 1000;
  const candidates = Array.from({ length: 1000 }, (_, i) => base + ((offset + i) % 1000));
  for (const port of candidates) {
    if (port > 65535 || taken.includes(port)) continue;
    if (await portFree(port, service)) return port;
  }
  throw new Error(`No free port near ${base} for the embedded ${service}: set ${service === 'postgres' ? 'ATRIUM__DATABASE__EMBEDDED_PORT' : 'ATRIUM__REDIS__EMBEDDED_PORT'}.`);
}

/**
 * autocannon in its own process (the load generator must not share the measured server's event
 * loop), driven by its programmatic options — its CLI cannot take a header holding `[<id>]` (the
 * per-request id of `idReplacement`), which the write benchmark uses for a fresh Idempotency-Key.
 * `node bench/autocannon-child.ts '<json options>'` prints autocannon's result as one JSON line.
 */
import autocannon from 'autocannon';

const result = await autocannon(JSON.parse(process.argv[2]));
console.log(JSON.stringify(result));

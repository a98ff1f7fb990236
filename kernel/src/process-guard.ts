import pino, { type Logger } from 'pino';

/**
 * The platform process must outlive any one request, metric or plugin. These are its last lines
 * of defence; the first ones are where the errors happen (the gateway maps every request error,
 * the metrics contain label errors, plugin handlers, subscribers and jobs run under try/catch).
 */

let uncaught = 0;
/** How many errors reached the process-level handlers since start (a metric: it should stay 0). */
export const uncaughtErrorCount = (): number => uncaught;

/**
 * `node --disable-proto=throw` at run time: `Object.prototype.__proto__` throws instead of reading
 * or replacing a prototype, so a key called `__proto__` that slips past a parser cannot reach
 * `Object.prototype`. `npm start` passes the flag itself; this covers a process started without it.
 * Syntax (`{ __proto__: null }`), `Object.create` and `Object.setPrototypeOf` are unaffected.
 */
export function disableProtoAccessor(): void {
  const d = Object.getOwnPropertyDescriptor(Object.prototype, '__proto__');
  if (!d?.get) return; // already gone (--disable-proto=delete)
  try {
    d.get.call({});
  } catch {
    return; // already throwing (--disable-proto=throw)
  }
  const refuse = () => {
    throw Object.assign(new Error('Accessing Object.prototype.__proto__ has been disallowed with --disable-proto=throw'), { code: 'ERR_PROTO_ACCESS' });
  };
  Object.defineProperty(Object.prototype, '__proto__', { get: refuse, set: refuse, enumerable: false, configurable: true });
}

let installed = false;

/**
 * For the process entry points (scripts/start.ts, the terminal agent): disables the `__proto__`
 * accessor and turns an uncaught exception or unhandled rejection into a logged error instead of
 * the end of the process — one tenant's bad request must not take every tenant's platform down.
 */
export function guardProcess(logger: Logger = pino({ base: { component: 'process' } })): void {
  disableProtoAccessor();
  if (installed) return;
  installed = true;
  process.on('uncaughtException', (err, origin) => {
    uncaught++;
    logger.error({ err, origin }, 'uncaught error (the process keeps serving)');
  });
  process.on('unhandledRejection', (reason) => {
    uncaught++;
    logger.error({ err: reason }, 'unhandled promise rejection (the process keeps serving)');
  });
}

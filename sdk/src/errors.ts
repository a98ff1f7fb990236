import { Errors } from 'moleculer';

/**
 * Typed errors for plugins and the kernel. They extend MoleculerError so they survive a hop
 * between nodes: the transporter carries `code` (the HTTP status), `type` (our stable error code)
 * and `data` (field errors / details). The gateway maps them to HTTP in exactly one place.
 *
 * Words: the `message` you write is for developers and logs. What a user reads comes from the
 * message catalogs by `code` — the platform's (`@atrium/sdk/i18n`) and your plugin's
 * `messages/<locale>.json` — with `details` (and each field's `params`) as the arguments, in the
 * language of the request (docs/plugin-guide.md, "Words"). So a code names one situation, and
 * `details` carry every value its sentence needs: `new ConflictError('SKU MLK-1 is taken',
 * 'SKU_TAKEN', { sku: 'MLK-1' })` with `"SKU_TAKEN": "SKU {sku} is already taken"`.
 */
export type ErrorParams = Record<string, unknown>;

/**
 * One problem with one input field. `code` is a JSON Schema keyword (`required`, `maxLength`,
 * `format`, … — the platform translates those) or a code of yours in your catalog's `fields`;
 * `params` are its arguments (`{ limit: 200 }`). `message` is an optional English text for
 * developers; users get the translation.
 */
export type FieldError = { field: string; code: string; params?: ErrorParams; message?: string };

export class AtriumError extends Errors.MoleculerError {
  constructor(message: string, status: number, code: string, data?: { fields?: FieldError[]; details?: ErrorParams }) {
    super(message, status, code, data);
    this.name = 'AtriumError';
  }
  get status(): number {
    return this.code;
  }
  get errorCode(): string {
    return this.type;
  }
}

/** Bad input: one entry per field, all of them at once (forms show every invalid field). */
export class ValidationError extends AtriumError {
  constructor(message: string, fields: FieldError[] = [], details?: ErrorParams) {
    super(message, 400, 'VALIDATION_FAILED', { fields, ...(details ? { details } : {}) });
    this.name = 'ValidationError';
  }
}

export class UnauthorizedError extends AtriumError {
  constructor(message = 'Authentication required', code = 'UNAUTHORIZED', details?: ErrorParams) {
    super(message, 401, code, details ? { details } : undefined);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends AtriumError {
  constructor(message = 'You are not allowed to do this', code = 'FORBIDDEN', details?: ErrorParams) {
    super(message, 403, code, details ? { details } : undefined);
    this.name = 'ForbiddenError';
  }
}

export class PluginDisabledError extends AtriumError {
  constructor(pluginId: string) {
    super(`Plugin "${pluginId}" is not enabled for this tenant`, 403, 'PLUGIN_DISABLED', { details: { plugin: pluginId } });
    this.name = 'PluginDisabledError';
  }
}

/** `details.subject` names what was not found (a permission subject such as `pos.Sale`), so the reader sees «Not found: Sale». */
export class NotFoundError extends AtriumError {
  constructor(message = 'Not found', details?: ErrorParams, code = 'NOT_FOUND') {
    super(message, 404, code, details ? { details } : undefined);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends AtriumError {
  constructor(message: string, code = 'CONFLICT', details?: ErrorParams) {
    super(message, 409, code, details ? { details } : undefined);
    this.name = 'ConflictError';
  }
}

export class PayloadTooLargeError extends AtriumError {
  constructor(message = 'Request body is too large', details?: ErrorParams) {
    super(message, 413, 'PAYLOAD_TOO_LARGE', details ? { details } : undefined);
    this.name = 'PayloadTooLargeError';
  }
}

/** A request that is well-formed but breaks a business rule (credit limit, state machine…). */
export class UnprocessableError extends AtriumError {
  constructor(message: string, code = 'UNPROCESSABLE', details?: ErrorParams) {
    super(message, 422, code, details ? { details } : undefined);
    this.name = 'UnprocessableError';
  }
}

/** The details of a "wait, then try again" answer: seconds for programs (Retry-After), whole minutes for the sentence. */
export const retryAfterDetails = (retryAfterSeconds: number) => ({ retryAfterSeconds, retryAfterMinutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)) });

export class RateLimitedError extends AtriumError {
  constructor(retryAfterSeconds: number, message = 'Too many requests, try again later') {
    super(message, 429, 'RATE_LIMITED', { details: retryAfterDetails(retryAfterSeconds) });
    this.name = 'RateLimitedError';
  }
}

/**
 * The node cannot take this request now, but will soon (the tenant's share of the connection pool
 * or of outbound calls is taken and the wait ran out): 503 with Retry-After.
 */
export class ServiceBusyError extends AtriumError {
  constructor(message: string, code = 'BUSY', retryAfterSeconds = 1, details?: Record<string, unknown>) {
    super(message, 503, code, { details: { ...details, retryAfterSeconds } });
    this.name = 'ServiceBusyError';
  }
}

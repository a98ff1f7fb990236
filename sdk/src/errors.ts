import { Errors } from 'moleculer';

/**
 * Typed errors for plugins and the kernel. They extend MoleculerError so they survive a hop
 * between nodes: the transporter carries `code` (the HTTP status), `type` (our stable error code)
 * and `data` (field errors / details). The gateway maps them to HTTP in exactly one place.
 */
export type FieldError = { field: string; message: string };

export class AtriumError extends Errors.MoleculerError {
  constructor(message: string, status: number, code: string, data?: { fields?: FieldError[]; details?: Record<string, unknown> }) {
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

export class ValidationError extends AtriumError {
  constructor(message: string, fields: FieldError[] = []) {
    super(message, 400, 'VALIDATION_FAILED', { fields });
    this.name = 'ValidationError';
  }
}

export class UnauthorizedError extends AtriumError {
  constructor(message = 'Authentication required', code = 'UNAUTHORIZED') {
    super(message, 401, code);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends AtriumError {
  constructor(message = 'You are not allowed to do this', code = 'FORBIDDEN', details?: Record<string, unknown>) {
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

export class NotFoundError extends AtriumError {
  constructor(message = 'Not found', details?: Record<string, unknown>) {
    super(message, 404, 'NOT_FOUND', details ? { details } : undefined);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends AtriumError {
  constructor(message: string, code = 'CONFLICT', details?: Record<string, unknown>) {
    super(message, 409, code, details ? { details } : undefined);
    this.name = 'ConflictError';
  }
}

export class PayloadTooLargeError extends AtriumError {
  constructor(message = 'Request body is too large') {
    super(message, 413, 'PAYLOAD_TOO_LARGE');
    this.name = 'PayloadTooLargeError';
  }
}

/** A request that is well-formed but breaks a business rule (credit limit, state machine…). */
export class UnprocessableError extends AtriumError {
  constructor(message: string, code = 'UNPROCESSABLE', details?: Record<string, unknown>) {
    super(message, 422, code, details ? { details } : undefined);
    this.name = 'UnprocessableError';
  }
}

export class RateLimitedError extends AtriumError {
  constructor(retryAfterSeconds: number, message = 'Too many requests, try again later') {
    super(message, 429, 'RATE_LIMITED', { details: { retryAfterSeconds } });
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

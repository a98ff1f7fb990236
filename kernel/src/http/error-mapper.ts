import { Errors } from 'moleculer';

export type HttpError = { status: number; body: { error: { code: string; message: string; fields?: { field: string; message: string }[]; details?: Record<string, unknown>; requestId?: string } }; headers: Record<string, string> };

/**
 * The one place where errors become HTTP. Typed Atrium errors carry their status and code;
 * Moleculer's own errors are mapped by kind; anything else is a 500 with no internals leaked.
 */
export function toHttpError(e: any, requestId: string): HttpError {
  const headers: Record<string, string> = {};
  if (e instanceof Errors.ServiceNotFoundError || e?.type === 'SERVICE_NOT_FOUND' || e?.type === 'SERVICE_NOT_AVAILABLE') {
    return { status: 503, headers: { 'Retry-After': '1' }, body: { error: { code: 'SERVICE_UNAVAILABLE', message: 'The service is temporarily unavailable; try again', requestId } } };
  }
  if (e instanceof Errors.RequestTimeoutError || e?.type === 'REQUEST_TIMEOUT') {
    return { status: 504, headers, body: { error: { code: 'TIMEOUT', message: 'The request took too long', requestId } } };
  }
  const status = typeof e?.code === 'number' ? e.code : 500;
  // typed errors: every 4xx, and the 5xx that say something the client can act on — a provider
  // that did not answer (502 PROVIDER_UNAVAILABLE: retry with the same key), a busy node (503 +
  // Retry-After), a deadline (504)
  if (((status >= 400 && status < 500) || status === 502 || status === 503 || status === 504) && typeof e?.type === 'string') {
    const data = e.data ?? {};
    if ((status === 429 || status === 503) && data.details?.retryAfterSeconds) headers['Retry-After'] = String(data.details.retryAfterSeconds);
    // error-codes: pass-through (Moleculer's own validator errors)
    const fields = data.fields ?? (Array.isArray(data) ? data.map((x: any) => ({ field: x.field, code: x.type, message: x.message })) : undefined);
    return {
      status,
      headers,
      body: { error: { code: e.type, message: e.message, ...(fields?.length ? { fields } : {}), ...(data.details ? { details: data.details } : {}) } },
    };
  }
  return { status: 500, headers, body: { error: { code: 'INTERNAL', message: `Something went wrong on our side (request ${requestId})`, requestId } } };
}

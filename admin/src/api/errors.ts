// The kernel answers every failure as { error: { code, message, fields?, details? } }.
export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
    readonly details: Record<string, unknown> = {},
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Field errors keyed by field name, ready for QInput's error-message. */
  fieldMap(): Record<string, string> {
    return Object.fromEntries(this.fields.map((f) => [f.field, f.message]));
  }
}

export function isApiError(e: unknown, code?: string): e is ApiError {
  return e instanceof ApiError && (code === undefined || e.code === code);
}

export async function toApiError(res: Response): Promise<ApiError> {
  let body: { error?: { code?: string; message?: string; fields?: FieldError[]; details?: Record<string, unknown> } } = {};
  try {
    body = await res.json();
  } catch {
    /* a proxy or the network answered, not the kernel */
  }
  const e = body.error ?? {};
  const retry = Number(res.headers.get('retry-after'));
  return new ApiError(
    res.status,
    e.code ?? `HTTP_${res.status}`,
    e.message ?? res.statusText ?? 'Request failed',
    e.fields ?? [],
    e.details ?? {},
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
  );
}

export const networkError = (cause: unknown) =>
  new ApiError(0, 'NETWORK', cause instanceof Error ? cause.message : 'Network error');

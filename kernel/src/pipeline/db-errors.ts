import { AtriumError, ConflictError, UnprocessableError, ValidationError } from '@atrium/sdk';

/** Maps Postgres constraint failures to client errors: a duplicate or a broken rule is the
 * caller's problem (4xx), not a server fault. Everything else stays a 500. */
export function mapDbError(e: unknown): unknown {
  if (e instanceof AtriumError) return e;
  const err = e as { code?: string; constraint?: string; detail?: string; message?: string; name?: string };
  const code = err.code ?? (err as any).cause?.code;
  const constraint = err.constraint ?? (err as any).cause?.constraint;
  switch (code) {
    case '23505':
      return new ConflictError(`Already exists${constraint ? ` (${constraint})` : ''}`, 'DUPLICATE', constraint ? { constraint } : undefined);
    case '23503':
      return new UnprocessableError('Refers to something that does not exist or is still in use', 'REFERENCE', constraint ? { constraint } : undefined);
    case '23514':
    case '23502':
      return new ValidationError(`Violates a data rule${constraint ? ` (${constraint})` : ''}`, [{ field: '(body)', code: 'dataRule', params: constraint ? { constraint } : {} }]);
    case '22P02':
    case '22001':
    case '22003':
      return new ValidationError(`Invalid value: ${(err.message ?? '').split('\n')[0]}`, [{ field: '(body)', code: 'invalidValue' }]);
    case '40001':
    case '40P01':
      return new ConflictError('Concurrent update, please retry', 'RETRY');
    case '42501':
      // RLS rejected a write: the row belongs to another tenant. Never say whose.
      return new ConflictError('Not allowed on this record', 'ROW_POLICY');
    default:
      if (err.name === 'OptimisticLockError') return new ConflictError('The record was changed by someone else; reload and retry', 'STALE');
      return e;
  }
}

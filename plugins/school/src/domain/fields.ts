import { Type, ValidationError, type FieldError } from '@atrium/sdk';

/**
 * The parameter schemas every area shares, and one way to say which input field is wrong.
 * Money is integer minor units; dates are ISO calendar dates counted in the branch's (or the
 * tenant's) time zone; times of day are HH:MM.
 */
export const Id = Type.String({ format: 'uuid' });
export const NullableId = Type.Union([Id, Type.Null()]);
export const Name = Type.String({ minLength: 1, maxLength: 200 });
export const ShortName = Type.String({ minLength: 1, maxLength: 120 });
export const Minor = Type.Integer({ minimum: 0, maximum: 100_000_000_000 });
export const PositiveMinor = Type.Integer({ minimum: 1, maximum: 100_000_000_000 });
export const Currency = Type.String({ pattern: '^[A-Z]{3}$' });
export const IsoDate = Type.String({ format: 'date' });
export const NullableDate = Type.Union([IsoDate, Type.Null()]);
export const Instant = Type.String({ format: 'date-time' });
export const TimeOfDay = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });
export const Color = Type.Union([Type.String({ pattern: '^#[0-9a-fA-F]{6}$' }), Type.Null()]);
export const Phone = Type.Union([Type.String({ maxLength: 32 }), Type.Null()]);
export const Email = Type.Union([Type.String({ format: 'email', maxLength: 254 }), Type.Null()]);
export const Note = Type.Union([Type.String({ maxLength: 5000 }), Type.Null()]);
export const Locale = Type.Union([Type.Literal('ru'), Type.Literal('uk'), Type.Literal('kk'), Type.Literal('en')]);
export const Version = Type.Integer({ minimum: 1 });
export const LessonKind = Type.Union([Type.Literal('group'), Type.Literal('individual'), Type.Literal('trial'), Type.Literal('makeup')]);
export type LessonKind = 'group' | 'individual' | 'trial' | 'makeup';

/** Every code a field problem of this plugin can carry (each has words in messages/<locale>.json, `fields`). */
export type FieldCode =
  | 'BRANCH_UNKNOWN'
  | 'CHANNEL_INVALID'
  | 'CHANNEL_WITHOUT_ADDRESS'
  | 'COLUMN_MISSING'
  | 'CUSTOM_BOOLEAN'
  | 'CUSTOM_DATE'
  | 'CUSTOM_FIELD_UNKNOWN'
  | 'CUSTOM_NUMBER'
  | 'CUSTOM_OPTION'
  | 'CUSTOM_TEXT'
  | 'DATE_BEFORE_START'
  | 'DATE_INVALID'
  | 'DISCOUNT_KIND'
  | 'DUPLICATE_STUDENT'
  | 'FILE_EMPTY'
  | 'FILE_NOT_XLSX'
  | 'GROUP_ONLY_FOR_GROUP_LESSONS'
  | 'LANGUAGE_INVALID'
  | 'LESSON_FULL'
  | 'LESSON_TOO_LONG'
  | 'PAY_RATE_EMPTY'
  | 'PHONE_INVALID'
  | 'RANGE_TOO_LONG'
  | 'STATUS_INVALID'
  | 'SUBSTITUTE_IS_TEACHER'
  | 'UNKNOWN_REFERENCE'
  | 'UNKNOWN_TIME_ZONE'
  | 'format'
  | 'required';

/**
 * One field problem: a stable `code` (translated for the reader: messages/<locale>.json, section
 * `fields`), its `params`, and an English text for developers and logs.
 */
export function fieldProblem(field: string, code: FieldCode, message: string, params?: Record<string, unknown>): FieldError {
  return { field, code, message, ...(params ? { params } : {}) } as FieldError;
}

/** 400 naming one field. */
export function badField(field: string, code: FieldCode, message: string, params?: Record<string, unknown>): ValidationError {
  return new ValidationError(`Invalid input: ${field} ${message}`, [fieldProblem(field, code, message, params)]);
}

/** Throws 400 naming every problem at once, if there are any. */
export function assertNoProblems(problems: FieldError[], summary = 'Invalid input'): void {
  if (problems.length) throw new ValidationError(`${summary}: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`, problems);
}

/**
 * A timestamptz column as the API answers it, ISO 8601 in UTC (`2025-03-03T11:00:00.000Z`): rows
 * come back from `ctx.sql` as PostgreSQL prints them, which browsers do not all parse.
 */
export const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

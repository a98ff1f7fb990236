import crypto from 'node:crypto';
import { Type, type FieldError, type RequestContext, type Static } from '@atrium/sdk';
import { recordActivity } from './activity.ts';
import { checkCustomValues, customFieldDefs } from './custom-fields.ts';
import { Email, fieldProblem, iso, IsoDate, Locale, Name, Note, NullableId, Phone } from './fields.ts';
import { normalisePhone } from './phone.ts';

/**
 * Students and their contacts as the API, the Excel import and the AlfaCRM import create them:
 * one checked input shape, one insert, so every door applies the same rules.
 */

export const StudentStatus = Type.Union([Type.Literal('active'), Type.Literal('trial'), Type.Literal('paused'), Type.Literal('left')]);
export const Channel = Type.Union([Type.Literal('sms'), Type.Literal('whatsapp'), Type.Literal('telegram'), Type.Literal('email'), Type.Literal('none')]);
export const Relation = Type.Union([Type.Literal('self'), Type.Literal('mother'), Type.Literal('father'), Type.Literal('guardian'), Type.Literal('other')]);

export const ContactInput = Type.Object({
  name: Name,
  relation: Type.Optional(Relation),
  phone: Type.Optional(Phone),
  email: Type.Optional(Email),
  telegram: Type.Optional(Type.Union([Type.String({ pattern: '^-?[0-9]{1,20}$' }), Type.Null()])),
  preferredChannel: Type.Optional(Channel),
  locale: Type.Optional(Locale),
  isPayer: Type.Optional(Type.Boolean()),
  notify: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
export type ContactInput = Static<typeof ContactInput>;

export const StudentInput = Type.Object({
  name: Name,
  birthDate: Type.Optional(Type.Union([IsoDate, Type.Null()])),
  phone: Type.Optional(Phone),
  email: Type.Optional(Email),
  status: Type.Optional(StudentStatus),
  branchId: Type.Optional(NullableId),
  discountId: Type.Optional(NullableId),
  custom: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$', maxLength: 40 }), Type.Unknown())),
  note: Type.Optional(Note),
  contacts: Type.Optional(Type.Array(ContactInput, { maxItems: 10 })),
}, { additionalProperties: false });
export type StudentInput = Static<typeof StudentInput>;

export const STUDENT_COLUMNS = `s.id, s.name, to_char(s.birth_date, 'YYYY-MM-DD') as "birthDate", s.phone, s.email, s.status, s.branch_id as "branchId", s.custom,
  s.discount_id as "discountId", s.balance::float8 as balance, s.note, ${iso('s.created_at')} as "createdAt", s.version`;
export const CONTACT_COLUMNS = `c.id, c.student_id as "studentId", c.name, c.relation, c.phone, c.email, c.telegram, c.preferred_channel as "preferredChannel",
  c.locale, c.is_payer as "isPayer", c.notify, c.position`;

/** A phone as stored, or a problem naming the field. */
export function phoneProblem(v: string | null | undefined, field: string, problems: FieldError[]): string | null | undefined {
  const n = normalisePhone(v);
  if (n === undefined && v !== undefined && v !== null) problems.push(fieldProblem(field, 'PHONE_INVALID', 'is not a phone number (10–15 digits with the country code)'));
  return n ?? (v === undefined ? undefined : null);
}

/** Every problem of a student's input (phones, custom fields, references), without writing. */
export async function checkStudent(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, s: StudentInput, prefix = ''): Promise<{ problems: FieldError[]; custom: Record<string, unknown>; phone: string | null; contactPhones: (string | null)[] }> {
  const problems: FieldError[] = [];
  const phone = phoneProblem(s.phone, `${prefix}phone`, problems) ?? null;
  const contactPhones = (s.contacts ?? []).map((c, i) => phoneProblem(c.phone, `${prefix}contacts.${i}.phone`, problems) ?? null);
  (s.contacts ?? []).forEach((c, i) => {
    const channel = c.preferredChannel ?? 'sms';
    const reachable = channel === 'none' || (channel === 'email' ? !!c.email : channel === 'telegram' ? !!c.telegram : !!c.phone);
    if (!reachable) problems.push(fieldProblem(`${prefix}contacts.${i}.preferredChannel`, 'CHANNEL_WITHOUT_ADDRESS', `needs the contact's ${channel === 'email' ? 'e-mail' : channel === 'telegram' ? 'Telegram id' : 'phone'}`, { channel }));
  });
  const { clean, problems: customProblems } = checkCustomValues(await customFieldDefs(ctx), s.custom ?? {}, { partial: false });
  problems.push(...customProblems.map((p) => ({ ...p, field: `${prefix}${p.field}` })));
  for (const [field, table, id] of [['branchId', 'school.branch', s.branchId], ['discountId', 'school.discount', s.discountId]] as const) {
    if (!id) continue;
    const [r] = await ctx.sql(`select 1 from ${table} where tenant_id = $1::uuid and id = $2::uuid and not archived`, [ctx.tenantId, id]);
    if (!r) problems.push(fieldProblem(`${prefix}${field}`, 'UNKNOWN_REFERENCE', 'does not exist'));
  }
  return { problems, custom: clean, phone, contactPhones };
}

/** Inserts a checked student and their contacts; answers the new id. */
export async function insertStudent(
  ctx: Pick<RequestContext, 'sql' | 'tenantId' | 'user' | 'emit'>,
  s: StudentInput,
  checked: { custom: Record<string, unknown>; phone: string | null; contactPhones: (string | null)[] },
  opts: { id?: string; source?: string } = {},
): Promise<string> {
  const id = opts.id ?? crypto.randomUUID();
  await ctx.sql(
    `insert into school.student (tenant_id, id, name, birth_date, phone, email, status, branch_id, custom, discount_id, note)
     values ($1::uuid, $2::uuid, $3::text, $4::date, $5::text, $6::text, $7::text, $8::uuid, $9::jsonb, $10::uuid, $11::text)`,
    [ctx.tenantId, id, s.name.trim(), s.birthDate ?? null, checked.phone, s.email ?? null, s.status ?? 'active', s.branchId ?? null, JSON.stringify(checked.custom), s.discountId ?? null, s.note ?? null],
  );
  await insertContacts(ctx, id, s.contacts ?? [], checked.contactPhones);
  await recordActivity(ctx, { studentId: id }, 'student.created', { source: opts.source ?? 'manual' });
  await ctx.emit('school.student.created.v1', { studentId: id, name: s.name.trim(), source: opts.source ?? 'manual' });
  return id;
}

export async function insertContacts(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, studentId: string, contacts: ContactInput[], phones: (string | null)[], startPosition = 0): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, c] of contacts.entries()) {
    const id = crypto.randomUUID();
    ids.push(id);
    await ctx.sql(
      `insert into school.contact (tenant_id, id, student_id, name, relation, phone, email, telegram, preferred_channel, locale, is_payer, notify, position)
       values ($1::uuid, $2::uuid, $3::uuid, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text, $10::text, $11::bool, $12::bool, $13::int)`,
      [ctx.tenantId, id, studentId, c.name.trim(), c.relation ?? 'other', phones[i] ?? null, c.email ?? null, c.telegram ?? null, c.preferredChannel ?? 'sms', c.locale ?? 'ru',
        c.isPayer ?? i === 0, c.notify ?? true, startPosition + i],
    );
  }
  return ids;
}

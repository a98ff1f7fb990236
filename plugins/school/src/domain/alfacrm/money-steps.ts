import crypto from 'node:crypto';
import { createInvoice } from '../invoices.ts';
import { adjustUsed, issuePass } from '../pass-ledger.ts';
import { recordPayment } from '../payments.ts';
import { addDays } from '../settings.ts';
import { alfaDate, methodOfAccount, str, toMinor } from './mapping.ts';
import { localOf, skip, upsert, type Step } from './refs.ts';

/**
 * Import steps for money: tariffs, customer tariffs (our passes, with the lessons AlfaCRM still
 * counts as paid), payments received from students (through the ledger, settling debts as any
 * payment does), and last the balance: where AlfaCRM's balance of a student differs from ours after
 * the payments, one entry makes them equal — an invoice for what lessons used there, or money on
 * account — so that every student's money starts here as it ended there, all through the ledger.
 * Money and passes once imported are never rewritten by a later run.
 */

const tariffs: Step = {
  key: 'tariffs', model: 'tariff', scope: 'branch',
  async apply(tx, env, items) {
    for (const t of items) {
      const lessons = Number(t.lesson_count) || 0;
      const v = { name: str(t.name) ?? `Tariff ${t.id}`, price: toMinor(t.price, env.digits), lessons, days: Number(t.duration) || 30 };
      await upsert(tx, env, 'tariff', t.id, v, async () => {
        const [found] = await tx.sql<{ id: string }>('select id from school.tariff where tenant_id = $1::uuid and lower(name) = lower($2::text) and not archived', [tx.tenantId, v.name]);
        if (found) return found.id;
        const id = crypto.randomUUID();
        await tx.sql(`insert into school.tariff (tenant_id, id, name, kind, price, currency, lessons, validity_days) values ($1::uuid, $2::uuid, $3::text, $4::text, $5::bigint, $6::text, $7::int, $8::int)`,
          [tx.tenantId, id, v.name, lessons > 0 ? 'pass' : 'single', v.price, env.currency, lessons > 0 ? lessons : null, lessons > 0 ? v.days : null]);
        return id;
      }, async (id) => {
        await tx.sql('update school.tariff set name = $3::text, price = $4::bigint where tenant_id = $1::uuid and id = $2::uuid', [tx.tenantId, id, v.name, v.price]);
      });
    }
  },
};

const customerTariffs: Step = {
  key: 'customerTariffs', model: 'customer-tariff', scope: 'branch',
  async apply(tx, env, items) {
    for (const ct of items) {
      const student = await localOf(tx, 'customer', ct.customer_id);
      const tariff = await localOf(tx, 'tariff', ct.tariff_id);
      if (!student) { await skip(tx, env, 'customer-tariff', ct.id, 'STUDENT_NOT_IMPORTED'); continue; }
      if (!tariff) { await skip(tx, env, 'customer-tariff', ct.id, 'TARIFF_NOT_IMPORTED'); continue; }
      const [t] = await tx.sql<{ name: string; kind: string; lessons: number | null; validity_days: number | null; price: string; charge_unexcused: boolean; charge_excused: boolean; makeups: boolean; max_freeze_days: number }>(
        'select name, kind, lessons, validity_days, price, charge_unexcused, charge_excused, makeups, max_freeze_days from school.tariff where tenant_id = $1::uuid and id = $2::uuid', [tx.tenantId, tariff]);
      if (t!.kind !== 'pass') { await skip(tx, env, 'customer-tariff', ct.id, 'NOT_A_PASS', t!.name); continue; }
      const from = alfaDate(ct.b_date) ?? env.today;
      const until = alfaDate(ct.e_date) ?? addDays(from, (t!.validity_days ?? 30) - 1);
      const left = Math.max(0, Math.min(t!.lessons!, Number(ct.paid_lesson_count) || 0));
      await upsert(tx, env, 'customer-tariff', ct.id, { student, tariff, from, until, left }, async () => {
        if (until < from) { await skip(tx, env, 'customer-tariff', ct.id, 'BAD_DATES', `${from} – ${until}`); return null; }
        const passId = await issuePass(tx, {
          studentId: student, name: t!.name, tariffId: tariff, subjectId: null, groupId: null, lessons: t!.lessons!, validFrom: from, validUntil: until, price: Number(t!.price), currency: env.currency,
          rules: { chargeUnexcused: t!.charge_unexcused, chargeExcused: t!.charge_excused, makeups: t!.makeups }, maxFreezeDays: t!.max_freeze_days,
        });
        await adjustUsed(tx, passId, t!.lessons! - left, 'AlfaCRM: lessons used there');
        return passId;
      });
    }
  },
};

const payments: Step = {
  key: 'payments', model: 'pay', scope: 'branch', needs: ['pay-account'],
  async apply(tx, env, items, branchExt) {
    const accounts = new Map((await env.lookup('pay-account', branchExt)).map((a) => [a.id, str(a.name)]));
    for (const p of items) {
      if (Number(p.pay_type_id) !== 1) { await skip(tx, env, 'pay', p.id, 'NOT_INCOME', str(p.note) ?? undefined); continue; }
      if (!p.customer_id) { await skip(tx, env, 'pay', p.id, 'NOT_A_STUDENT_PAYMENT', str(p.note) ?? undefined); continue; }
      const student = await localOf(tx, 'customer', p.customer_id);
      if (!student) { await skip(tx, env, 'pay', p.id, 'STUDENT_NOT_IMPORTED'); continue; }
      const amount = toMinor(p.income, env.digits);
      if (amount <= 0) { await skip(tx, env, 'pay', p.id, 'NO_AMOUNT'); continue; }
      const day = alfaDate(p.document_date) ?? env.today;
      const v = { student, amount, day, method: methodOfAccount(accounts.get(Number(p.pay_account_id))) };
      await upsert(tx, env, 'pay', p.id, v, async () => {
        const [at] = await tx.sql<{ at: string }>(`select to_char((($1::date + time '12:00') at time zone $2::text) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as at`, [day, env.tz]);
        const r = await recordPayment(tx, { studentId: student, amount, currency: env.currency, method: v.method, paidAt: at!.at, reference: `AlfaCRM #${p.id}`, note: str(p.note) });
        return r.id;
      });
    }
  },
};

const balances: Step = {
  key: 'balances', model: 'customer', scope: 'branch', filters: { is_study: 1 },
  async apply(tx, env, items) {
    for (const c of items) {
      const student = await localOf(tx, 'customer', c.id);
      if (!student) continue;
      const target = toMinor(c.balance, env.digits);
      const [s] = await tx.sql<{ balance: string }>('select balance from school.student where tenant_id = $1::uuid and id = $2::uuid for no key update', [tx.tenantId, student]);
      const delta = target - Number(s!.balance);
      if (delta === 0) { env.count('balance', 'unchanged'); continue; }
      if (delta < 0) {
        await createInvoice(tx, { studentId: student, currency: env.currency, issuedOn: env.today, dueDays: 0, source: 'import', note: 'AlfaCRM', lines: [{ description: 'AlfaCRM: balance carried over', unitPrice: -delta }] });
      } else {
        await recordPayment(tx, { studentId: student, amount: delta, currency: env.currency, method: 'transfer', reference: 'AlfaCRM balance', note: 'AlfaCRM: balance carried over' });
      }
      env.count('balance', 'updated');
    }
  },
};

export const MONEY_STEPS: Step[] = [tariffs, customerTariffs, payments, balances];

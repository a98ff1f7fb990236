import crypto from 'node:crypto';
import { checkStudent, insertStudent, type StudentInput } from '../students.ts';
import { normalisePhone } from '../phone.ts';
import { alfaDate, customOf, first, str } from './mapping.ts';
import { byName, localOf, skip, upsert, type Ctx, type Step } from './refs.ts';

/**
 * Import steps for places and people: branches (and their locations' addresses), rooms, subjects,
 * the lead lists, teachers, students (customers who study) with their payer contact and custom
 * fields, and leads (customers who do not yet). A record seen before with the same hash is left
 * alone; names and contacts changed in AlfaCRM are updated here.
 */

const branches: Step = {
  key: 'branches', model: 'branch', scope: 'global', filters: { is_active: 1 },
  async apply(tx, env, items) {
    for (const b of items) {
      const name = str(b.name) ?? `Branch ${b.id}`;
      await upsert(tx, env, 'branch', b.id, { name },
        () => byName(tx, 'school.branch', name, 'insert into school.branch (tenant_id, id, name) values ($1::uuid, $2::uuid, $3::text)', []),
        async (id) => { await tx.sql('update school.branch set name = $3::text where tenant_id = $1::uuid and id = $2::uuid', [tx.tenantId, id, name]); });
    }
  },
};

const locations: Step = {
  key: 'locations', model: 'location', scope: 'branch',
  async apply(tx, env, items) {
    // a location is an address of a branch: rooms name locations, we keep the branch
    for (const l of items) {
      const branch = await localOf(tx, 'branch', l.branch_id);
      if (!branch) { await skip(tx, env, 'location', l.id, 'BRANCH_NOT_IMPORTED'); continue; }
      await upsert(tx, env, 'location', l.id, { branch, name: str(l.name) }, async () => {
        if (str(l.name)) await tx.sql('update school.branch set address = coalesce(address, $3::text) where tenant_id = $1::uuid and id = $2::uuid', [tx.tenantId, branch, str(l.name)]);
        return branch;
      });
    }
  },
};

const rooms: Step = {
  key: 'rooms', model: 'room', scope: 'branch',
  async apply(tx, env, items, branchExt) {
    for (const r of items) {
      const branch = (await localOf(tx, 'branch', r.branch_id ?? branchExt)) ?? (await localOf(tx, 'location', r.location_id));
      if (!branch) { await skip(tx, env, 'room', r.id, 'BRANCH_NOT_IMPORTED'); continue; }
      const name = str(r.name) ?? `Room ${r.id}`;
      // AlfaCRM keeps no room size: 30 until someone sets it
      await upsert(tx, env, 'room', r.id, { branch, name }, async () => {
        const [found] = await tx.sql<{ id: string }>('select id from school.room where tenant_id = $1::uuid and branch_id = $2::uuid and lower(name) = lower($3::text)', [tx.tenantId, branch, name]);
        if (found) return found.id;
        const id = crypto.randomUUID();
        await tx.sql('insert into school.room (tenant_id, id, branch_id, name, capacity) values ($1::uuid, $2::uuid, $3::uuid, $4::text, 30)', [tx.tenantId, id, branch, name]);
        return id;
      }, async (id) => { await tx.sql('update school.room set name = $3::text where tenant_id = $1::uuid and id = $2::uuid', [tx.tenantId, id, name]); });
    }
  },
};

const subjects: Step = {
  key: 'subjects', model: 'subject', scope: 'branch',
  async apply(tx, env, items) {
    for (const s of items) {
      const name = str(s.name) ?? `Subject ${s.id}`;
      await upsert(tx, env, 'subject', s.id, { name },
        () => byName(tx, 'school.subject', name, 'insert into school.subject (tenant_id, id, name) values ($1::uuid, $2::uuid, $3::text)', []),
        async (id) => { await tx.sql('update school.subject set name = $3::text where tenant_id = $1::uuid and id = $2::uuid', [tx.tenantId, id, name]); });
    }
  },
};

function leadList(model: 'lead-status' | 'lead-source' | 'lead-reject', table: string): Step {
  return {
    key: model, model, scope: 'branch',
    async apply(tx, env, items) {
      for (const r of items) {
        const name = str(r.name) ?? `${model} ${r.id}`;
        await upsert(tx, env, model, r.id, { name }, () => byName(tx, table, name,
          `insert into ${table} (tenant_id, id, name, position) values ($1::uuid, $2::uuid, $3::text, (select coalesce(max(position) + 1, 0) from ${table} where tenant_id = $1::uuid))`, []));
      }
    },
  };
}

const teachers: Step = {
  key: 'teachers', model: 'teacher', scope: 'branch',
  async apply(tx, env, items) {
    for (const t of items) {
      const v = { name: str(t.name) ?? `Teacher ${t.id}`, phone: normalisePhone(first<string>(t.phone)) ?? null, email: first<string>(t.email), note: str(t.note) };
      await upsert(tx, env, 'teacher', t.id, v, async () => {
        const id = crypto.randomUUID();
        await tx.sql('insert into school.teacher (tenant_id, id, name, phone, email, note) values ($1::uuid, $2::uuid, $3::text, $4::text, $5::text, $6::text)', [tx.tenantId, id, v.name, v.phone, v.email, v.note]);
        return id;
      }, async (id) => { await tx.sql('update school.teacher set name = $3::text, phone = $4::text, email = $5::text, updated_at = now() where tenant_id = $1::uuid and id = $2::uuid', [tx.tenantId, id, v.name, v.phone, v.email]); });
    }
  },
};

/** Custom fields AlfaCRM customers carry, defined here the first time they are seen (as text). */
async function ensureCustomFields(tx: Ctx, keys: string[]) {
  for (const key of keys) {
    await tx.sql(`insert into school.custom_field (tenant_id, id, key, label, type) values ($1::uuid, gen_random_uuid(), $2::text, $3::jsonb, 'text') on conflict (tenant_id, key) do nothing`,
      [tx.tenantId, key, JSON.stringify({ en: key, ru: key, uk: key, kk: key })]);
  }
}

const students: Step = {
  key: 'students', model: 'customer', scope: 'branch', filters: { is_study: 1 },
  async apply(tx, env, items, branchExt) {
    await ensureCustomFields(tx, [...new Set(items.flatMap((c) => Object.keys(customOf(c))))]);
    for (const c of items) {
      const rawPhone = first<string>(c.phone);
      const phone = normalisePhone(rawPhone);
      if (rawPhone && !phone) await skip(tx, env, 'customer.phone', c.id, 'PHONE_INVALID', rawPhone);
      const payer = str(c.legal_name);
      const input: StudentInput = {
        name: str(c.name) ?? `Customer ${c.id}`, birthDate: alfaDate(c.dob), branchId: await localOf(tx, 'branch', first<number>(c.branch_ids) ?? branchExt), custom: customOf(c), note: str(c.note),
        contacts: [{ name: payer ?? str(c.name) ?? '—', relation: payer ? 'other' : 'self', phone: phone ? `+${phone}` : null, email: first<string>(c.email), preferredChannel: phone ? 'sms' : first<string>(c.email) ? 'email' : 'none', isPayer: true }],
      };
      await upsert(tx, env, 'customer', c.id, input, async () => {
        const checked = await checkStudent(tx, input);
        if (checked.problems.length) {
          await skip(tx, env, 'customer', c.id, 'INVALID', checked.problems.map((p) => `${p.field}: ${p.message}`).join('; '));
          return null;
        }
        return insertStudent(tx, input, checked, { source: 'alfacrm' });
      }, async (id) => {
        await tx.sql(`update school.student set name = $3::text, birth_date = $4::date, custom = custom || $5::jsonb, note = $6::text, updated_at = now(), version = version + 1 where tenant_id = $1::uuid and id = $2::uuid`,
          [tx.tenantId, id, input.name, input.birthDate ?? null, JSON.stringify(input.custom ?? {}), input.note ?? null]);
        const ct = input.contacts![0]!;
        await tx.sql(`update school.contact set name = $3::text, phone = $4::text, email = $5::text where tenant_id = $1::uuid and id = (select id from school.contact where tenant_id = $1::uuid and student_id = $2::uuid order by position limit 1)`,
          [tx.tenantId, id, ct.name, phone ?? null, ct.email ?? null]);
      });
    }
  },
};

const leads: Step = {
  key: 'leads', model: 'customer', scope: 'branch', filters: { is_study: 0 },
  async apply(tx, env, items, branchExt) {
    const [open] = await tx.sql<{ id: string }>(`select id from school.lead_status where tenant_id = $1::uuid and kind = 'open' and not archived order by position limit 1`, [tx.tenantId]);
    for (const c of items) {
      const v = {
        name: str(c.name) ?? `Lead ${c.id}`, contact: str(c.legal_name), phone: normalisePhone(first<string>(c.phone)) ?? null, email: first<string>(c.email), note: str(c.note),
        status: (await localOf(tx, 'lead-status', c.lead_status_id)) ?? open?.id, source: await localOf(tx, 'lead-source', c.lead_source_id), reason: await localOf(tx, 'lead-reject', c.lead_reject_id),
        branch: await localOf(tx, 'branch', first<number>(c.branch_ids) ?? branchExt),
      };
      if (!v.status) { await skip(tx, env, 'lead', c.id, 'NO_LEAD_STATUS'); continue; }
      await upsert(tx, env, 'lead', c.id, v, async () => {
        const id = crypto.randomUUID();
        await tx.sql(`insert into school.lead (tenant_id, id, name, contact_name, phone, email, note, status_id, source_id, reject_reason_id, branch_id, position)
          values ($1::uuid, $2::uuid, $3::text, $4::text, $5::text, $6::text, $7::text, $8::uuid, $9::uuid, $10::uuid, $11::uuid, $12::float8)`,
          [tx.tenantId, id, v.name, v.contact, v.phone, v.email, v.note, v.status, v.source, v.reason, v.branch, c.id]);
        return id;
      }, async (id) => {
        await tx.sql('update school.lead set name = $3::text, contact_name = $4::text, phone = $5::text, email = $6::text, status_id = $7::uuid, source_id = $8::uuid, reject_reason_id = $9::uuid, updated_at = now() where tenant_id = $1::uuid and id = $2::uuid',
          [tx.tenantId, id, v.name, v.contact, v.phone, v.email, v.status, v.source, v.reason]);
      });
    }
  },
};

/** Places and people, in the order their references need. */
export const PEOPLE_STEPS: Step[] = [branches, locations, rooms, subjects, leadList('lead-status', 'school.lead_status'), leadList('lead-source', 'school.lead_source'), leadList('lead-reject', 'school.lead_reject_reason'), teachers, students, leads];

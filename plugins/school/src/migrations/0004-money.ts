import { appendOnly, tenantRls, type Migration } from '@atrium/sdk';

/**
 * Money: invoices (what a student owes — a pass sold, a visit without a pass, anything else),
 * payments (cash, card, transfer, online through the payments plugin), allocations of payments to
 * invoices (the oldest debt first), refunds, and one append-only ledger per student.
 *
 * Every change of money goes through domain/money-ledger.ts under a lock of the student's row,
 * so a payment and an invoice arriving at once settle in one order. The invariant, checked by the
 * tests: student.balance = Σ ledger = unallocated payments − unpaid invoices.
 */
export const createMoney: Migration = {
  name: '0004-money',
  up: `
create table school.counter (
  tenant_id uuid not null,
  name varchar(20) not null,
  value bigint not null default 0,
  primary key (tenant_id, name)
);
${tenantRls('school.counter')}

create table school.invoice (
  tenant_id uuid not null,
  id uuid not null,
  number bigint not null,
  student_id uuid not null,
  payer_contact_id uuid,
  source varchar(10) not null default 'manual' check (source in ('manual', 'pass', 'visit', 'import')),
  lesson_id uuid,
  issued_on date not null,
  due_on date not null,
  total bigint not null check (total > 0),
  paid bigint not null default 0,
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  status varchar(10) not null default 'open' check (status in ('open', 'paid', 'canceled')),
  note varchar(500),
  -- the last online payment link made for it (payments plugin)
  intent_id uuid,
  pay_url varchar(2000),
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id),
  constraint invoice_paid_within_total check (paid between 0 and total),
  check (status <> 'paid' or paid = total),
  check (status <> 'canceled' or paid = 0),
  check (due_on >= issued_on),
  foreign key (tenant_id, student_id) references school.student (tenant_id, id),
  foreign key (tenant_id, payer_contact_id) references school.contact (tenant_id, id) on delete set null (payer_contact_id),
  foreign key (tenant_id, lesson_id) references school.lesson (tenant_id, id)
);
create unique index invoice_number_uq on school.invoice (tenant_id, number);
-- the oldest open debt first: what a payment settles
create index invoice_open on school.invoice (tenant_id, student_id, due_on, number) where status = 'open';
create index invoice_issued on school.invoice (tenant_id, issued_on);
${tenantRls('school.invoice')}

create table school.invoice_line (
  tenant_id uuid not null,
  id uuid not null,
  invoice_id uuid not null,
  position integer not null,
  description varchar(300) not null,
  tariff_id uuid,
  pass_id uuid,
  quantity integer not null default 1 check (quantity between 1 and 10000),
  unit_price bigint not null check (unit_price >= 0),
  discount bigint not null default 0 check (discount >= 0),
  amount bigint not null check (amount >= 0),
  primary key (tenant_id, id),
  check (amount = quantity * unit_price - discount),
  foreign key (tenant_id, invoice_id) references school.invoice (tenant_id, id) on delete cascade,
  foreign key (tenant_id, tariff_id) references school.tariff (tenant_id, id),
  foreign key (tenant_id, pass_id) references school.pass (tenant_id, id)
);
create index invoice_line_invoice on school.invoice_line (tenant_id, invoice_id, position);
${tenantRls('school.invoice_line')}

create table school.payment (
  tenant_id uuid not null,
  id uuid not null,
  student_id uuid not null,
  amount bigint not null check (amount > 0),
  refunded bigint not null default 0,
  allocated bigint not null default 0,
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  method varchar(10) not null check (method in ('cash', 'card', 'transfer', 'online')),
  paid_at timestamptz not null default now(),
  -- payments plugin: the intent this payment came from (recorded once per intent)
  intent_id uuid,
  reference varchar(200),
  note varchar(500),
  created_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  constraint payment_refund_within_amount check (refunded between 0 and amount),
  constraint payment_allocated_within_amount check (allocated between 0 and amount - refunded),
  foreign key (tenant_id, student_id) references school.student (tenant_id, id)
);
create unique index payment_intent_uq on school.payment (tenant_id, intent_id) where intent_id is not null;
create index payment_student on school.payment (tenant_id, student_id, paid_at);
create index payment_paid_at on school.payment (tenant_id, paid_at);
create index payment_unallocated on school.payment (tenant_id, student_id, paid_at) where allocated < amount - refunded;
${tenantRls('school.payment')}

-- Which payment paid which invoice. A refund or a canceled allocation posts a negative row.
create table school.allocation (
  tenant_id uuid not null,
  id bigserial,
  payment_id uuid not null,
  invoice_id uuid not null,
  amount bigint not null check (amount <> 0),
  at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, payment_id) references school.payment (tenant_id, id),
  foreign key (tenant_id, invoice_id) references school.invoice (tenant_id, id)
);
create index allocation_payment on school.allocation (tenant_id, payment_id);
create index allocation_invoice on school.allocation (tenant_id, invoice_id);
${tenantRls('school.allocation')}
${appendOnly('school.allocation', 'school')}

create table school.refund (
  tenant_id uuid not null,
  id uuid not null,
  payment_id uuid not null,
  amount bigint not null check (amount > 0),
  reason varchar(300),
  -- online payments are refunded through the payments plugin: pending until it answers
  status varchar(10) not null default 'done' check (status in ('pending', 'done', 'failed')),
  -- payments plugin: the refund of the intent this refund was recorded from (recorded once)
  external_id varchar(100),
  created_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, payment_id) references school.payment (tenant_id, id)
);
create index refund_payment on school.refund (tenant_id, payment_id);
create unique index refund_external_uq on school.refund (tenant_id, external_id) where external_id is not null;
${tenantRls('school.refund')}

create table school.money_ledger (
  tenant_id uuid not null,
  id bigserial,
  student_id uuid not null,
  kind varchar(16) not null check (kind in ('invoice', 'invoice_cancel', 'payment', 'refund', 'adjust')),
  amount bigint not null check (amount <> 0),
  balance_after bigint not null,
  ref_id uuid,
  note varchar(300),
  user_id uuid,
  at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, student_id) references school.student (tenant_id, id)
);
create index money_ledger_student on school.money_ledger (tenant_id, student_id, id);
create index money_ledger_at on school.money_ledger (tenant_id, at);
${tenantRls('school.money_ledger')}
${appendOnly('school.money_ledger', 'school')}

alter table school.pass add constraint pass_invoice_fk foreign key (tenant_id, invoice_id) references school.invoice (tenant_id, id);
alter table school.attendance add constraint attendance_invoice_fk foreign key (tenant_id, invoice_id) references school.invoice (tenant_id, id);
`,
};

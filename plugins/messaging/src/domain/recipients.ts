import crypto from 'node:crypto';
import { NotFoundError, Type, UnprocessableError, ValidationError, type RequestContext, type Static } from '@atrium/sdk';
import { IDENTITY_KINDS, IDENTITY_OF_CHANNEL, type ChannelKind, type IdentityKind } from '@atrium/sdk/messaging';
import { ACCOUNT_COLUMNS, type AccountRow } from './adapters.ts';
import { toE164 } from './phone.ts';

const Id = Type.String({ format: 'uuid' });

/** Whom a send goes to: a conversation, a contact (on a channel), an identity, or an address. */
export const SendTarget = Type.Union([
  Type.Object({ conversationId: Id }, { additionalProperties: false }),
  Type.Object({ contactId: Id, channel: Type.Optional(Type.String()), accountId: Type.Optional(Id) }, { additionalProperties: false }),
  Type.Object({ identityId: Id, accountId: Type.Optional(Id) }, { additionalProperties: false }),
  Type.Object({
    kind: Type.Union(IDENTITY_KINDS.map((k) => Type.Literal(k))),
    value: Type.String({ minLength: 1, maxLength: 320 }),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    accountId: Type.Optional(Id),
  }, { additionalProperties: false }),
]);
export type SendTarget = Static<typeof SendTarget>;

export type Recipient = {
  account: AccountRow;
  conversationId: string;
  chatId: string;
  lastInboundAt: Date | null;
  identityId: string;
  identityKind: IdentityKind;
  consent: string;
  contactId: string;
  contactLocale: string | null;
};

const CHANNEL_OF_IDENTITY = Object.fromEntries(Object.entries(IDENTITY_OF_CHANNEL).map(([c, k]) => [k, c])) as Record<IdentityKind, ChannelKind>;
export const channelOf = (kind: IdentityKind): ChannelKind => CHANNEL_OF_IDENTITY[kind];

const RECIPIENT_SQL = `select c.id as conversation_id, c.chat_id, c.last_inbound_at, i.id as identity_id, i.kind, i.consent, ct.id as contact_id, ct.locale,
    ${ACCOUNT_COLUMNS}
  from messaging.conversation c
  join messaging.identity i on i.tenant_id = c.tenant_id and i.id = c.identity_id
  join messaging.contact ct on ct.tenant_id = i.tenant_id and ct.id = i.contact_id
  join messaging.account a on a.tenant_id = c.tenant_id and a.id = c.account_id
  where c.tenant_id = $1::uuid and c.id = $2::uuid`;

/** Normalises an address the way identities are stored (E.164 phones, lower-case e-mail). */
export function normaliseAddress(kind: IdentityKind, value: string, field = 'to.value'): string {
  const v = value.trim();
  if (kind === 'phone' || kind === 'whatsapp') {
    const e164 = toE164(v);
    if (!e164) throw new ValidationError('Not a phone number', [{ field, code: 'phoneNumber', message: 'must be a full phone number with its country code' }]);
    return e164;
  }
  if (kind === 'email') {
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) throw new ValidationError('Not an e-mail address', [{ field, code: 'format', params: { format: 'email' }, message: 'must be an e-mail address' }]);
    return v.toLowerCase();
  }
  if (kind === 'telegram' && !/^-?\d{1,20}$/.test(v)) throw new ValidationError('Not a Telegram user id', [{ field, code: 'telegramId', message: 'must be a numeric Telegram id' }]);
  return v;
}

/** The account a send goes out through: the one named, else the channel's default, else its only connected one. */
async function accountFor(ctx: RequestContext, channel: ChannelKind, accountId?: string): Promise<AccountRow> {
  const rows = await ctx.sql<AccountRow & { is_default: boolean }>(
    `select ${ACCOUNT_COLUMNS}, a.is_default from messaging.account a where a.tenant_id = $1::uuid and a.channel = $2::text and ($3::uuid is null or a.id = $3::uuid) and a.status <> 'disabled' order by a.is_default desc, a.created_at`,
    [ctx.tenantId, channel, accountId ?? null],
  );
  if (accountId && !rows.length) throw new ValidationError(`No ${channel} account with this id`, [{ field: 'to.accountId', code: 'unknown', message: `is not a ${channel} account of this tenant` }]);
  const pick = rows.find((r) => r.is_default) ?? (rows.filter((r) => r.status === 'connected').length === 1 ? rows.find((r) => r.status === 'connected') : rows.length === 1 ? rows[0] : undefined);
  if (!pick) {
    throw new UnprocessableError(
      rows.length ? `Several ${channel} accounts are connected: name one (accountId) or mark one as the default` : `No ${channel} account is connected`,
      'NO_ACCOUNT', { channel },
    );
  }
  return pick;
}

/** The conversation of an identity on an account (opened if there is none). */
async function conversationOf(ctx: RequestContext, account: AccountRow, identity: { id: string; value: string; contact_id: string }): Promise<string> {
  const [row] = await ctx.sql<{ id: string }>(
    `insert into messaging.conversation as c (tenant_id, id, account_id, identity_id, contact_id, chat_id) values ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, $6::text)
     on conflict (tenant_id, account_id, identity_id) do update set updated_at = c.updated_at returning c.id`,
    [ctx.tenantId, crypto.randomUUID(), account.id, identity.id, identity.contact_id, identity.value],
  );
  return row!.id;
}

async function recipientOf(ctx: RequestContext, conversationId: string): Promise<Recipient> {
  const [r] = await ctx.sql<any>(RECIPIENT_SQL, [ctx.tenantId, conversationId]);
  if (!r) throw new NotFoundError('Conversation not found');
  return {
    account: { id: r.id, adapter: r.adapter, channel: r.channel, name: r.name, config: r.config, sealed: r.sealed, status: r.status, inbound: r.inbound, limits: r.limits, poll_cursor: r.poll_cursor },
    conversationId: r.conversation_id, chatId: r.chat_id, lastInboundAt: r.last_inbound_at, identityId: r.identity_id, identityKind: r.kind,
    consent: r.consent, contactId: r.contact_id, contactLocale: r.locale,
  };
}

type IdentityRow = { id: string; kind: IdentityKind; value: string; contact_id: string };

/** Resolves a send target to the conversation it goes to (opening one, or creating the contact of a new address). */
export async function resolveRecipient(ctx: RequestContext, to: SendTarget): Promise<Recipient> {
  if ('conversationId' in to) return recipientOf(ctx, to.conversationId);
  let identity: IdentityRow | undefined;
  let accountId: string | undefined = to.accountId;
  if ('identityId' in to) {
    [identity] = await ctx.sql<IdentityRow>('select id, kind, value, contact_id from messaging.identity where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, to.identityId]);
    if (!identity) throw new NotFoundError('Identity not found');
  } else if ('contactId' in to) {
    const kind = to.channel ? IDENTITY_OF_CHANNEL[to.channel as ChannelKind] : undefined;
    if (to.channel && !kind) throw new ValidationError('Unknown channel', [{ field: 'to.channel', code: 'enum', params: { allowedValues: ['telegram', 'whatsapp', 'facebook', 'instagram', 'email', 'sms'] }, message: 'must be telegram, whatsapp, facebook, instagram, email or sms' }]);
    // the contact's most recent conversation on that channel (or any), else an identity on it
    const rows = await ctx.sql<IdentityRow & { conversation_id: string | null; account_id: string | null }>(
      `select i.id, i.kind, i.value, i.contact_id, c.id as conversation_id, c.account_id
         from messaging.identity i
         join messaging.contact ct on ct.tenant_id = i.tenant_id and ct.id = i.contact_id
         left join messaging.conversation c on c.tenant_id = i.tenant_id and c.identity_id = i.id and ($3::uuid is null or c.account_id = $3::uuid)
        where i.tenant_id = $1::uuid and i.contact_id = $2::uuid and ($4::text is null or i.kind = $4::text)
        order by c.last_inbound_at desc nulls last, c.last_message_at desc nulls last, i.created_at`,
      [ctx.tenantId, to.contactId, to.accountId ?? null, kind ?? null],
    );
    if (!rows.length) {
      const [exists] = await ctx.sql('select 1 from messaging.contact where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, to.contactId]);
      if (!exists) throw new NotFoundError('Contact not found');
      throw new UnprocessableError(to.channel ? `The contact has no ${to.channel} identity` : 'The contact has no identity to write to', 'NO_IDENTITY', { channel: to.channel ?? null });
    }
    const withConversation = rows.find((r) => r.conversation_id);
    if (withConversation) return recipientOf(ctx, withConversation.conversation_id!);
    identity = rows[0];
  } else {
    const value = normaliseAddress(to.kind, to.value);
    [identity] = await ctx.sql<IdentityRow>('select id, kind, value, contact_id from messaging.identity where tenant_id = $1::uuid and kind = $2::text and scope = \'\' and value = $3::text', [ctx.tenantId, to.kind, value]);
    if (!identity) identity = await createIdentity(ctx, to.kind, value, to.name);
  }
  const account = await accountFor(ctx, channelOf(identity!.kind), accountId);
  return recipientOf(ctx, await conversationOf(ctx, account, identity!));
}

/** A new address to write to: its contact and identity (a concurrent creator wins; we use theirs). */
async function createIdentity(ctx: RequestContext, kind: IdentityKind, value: string, name?: string): Promise<IdentityRow> {
  const contactId = crypto.randomUUID();
  const [row] = await ctx.sql<IdentityRow>(
    `insert into messaging.identity (tenant_id, id, contact_id, kind, scope, value, display) values ($1::uuid, $2::uuid, $3::uuid, $4::text, '', $5::text, $6::text)
     on conflict (tenant_id, kind, scope, value) do nothing returning id, kind, value, contact_id`,
    [ctx.tenantId, crypto.randomUUID(), contactId, kind, value, name ?? null],
  );
  if (row) {
    await ctx.sql('insert into messaging.contact (tenant_id, id, name) values ($1::uuid, $2::uuid, $3::text)', [ctx.tenantId, contactId, (name ?? value).slice(0, 200)]);
    return row;
  }
  const [theirs] = await ctx.sql<IdentityRow>('select id, kind, value, contact_id from messaging.identity where tenant_id = $1::uuid and kind = $2::text and scope = \'\' and value = $3::text', [ctx.tenantId, kind, value]);
  return theirs!;
}

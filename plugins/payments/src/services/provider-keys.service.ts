import { defineAction, defineService, ForbiddenError, Type, type ActionContext } from '@atrium/sdk';
import { PAYMENTS_PLUGIN_ID, type IdempotencyRecord } from '@atrium/sdk/payments';

const Key = Type.String({ minLength: 1, maxLength: 300 });

/** The provider whose plugin is calling: `payments-<key>` → `<key>` (only a provider's own records). */
function providerOf(ctx: ActionContext<any>): string {
  const caller = ctx.callerPlugin;
  const prefix = `${PAYMENTS_PLUGIN_ID}-`;
  if (!caller?.startsWith(prefix)) throw new ForbiddenError('Only payment provider plugins keep idempotency records here', 'PROVIDER_ONLY');
  return caller.slice(prefix.length);
}

/**
 * The providers' idempotency ledger (`ctx.idempotency` of a provider, @atrium/sdk/payments): one
 * record per (tenant, provider, key) in `payments.provider_idempotency`, each read or written in a
 * short transaction of its own (the provider's operation around it holds none). A provider sees
 * and writes only its own records: the key is scoped by the calling plugin.
 */
export const providerKeysService = defineService({
  name: 'providerKeys',
  actions: {
    get: defineAction({
      permission: 'internal',
      mutates: false,
      params: Type.Object({ key: Key }, { additionalProperties: false }),
      async handler(ctx) {
        const [row] = await ctx.sql<{ state: 'pending' | 'done'; fingerprint: string; context: unknown; result: unknown }>(
          'select state, fingerprint, context, result from payments.provider_idempotency where tenant_id = $1::uuid and provider = $2::text and key = $3::text',
          [ctx.tenantId, providerOf(ctx), ctx.params.key],
        );
        if (!row) return { record: null };
        const record: IdempotencyRecord = row.state === 'done'
          ? { state: 'done', fingerprint: row.fingerprint, result: row.result }
          : { state: 'pending', fingerprint: row.fingerprint, context: row.context };
        return { record };
      },
    }),
    set: defineAction({
      permission: 'internal',
      mutates: false,
      params: Type.Object({
        key: Key,
        record: Type.Object({
          state: Type.Union([Type.Literal('pending'), Type.Literal('done')]),
          fingerprint: Type.String({ minLength: 1, maxLength: 64 }),
          context: Type.Optional(Type.Unknown()),
          result: Type.Optional(Type.Unknown()),
        }, { additionalProperties: false }),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const r = ctx.params.record;
        await ctx.sql(
          `insert into payments.provider_idempotency (tenant_id, provider, key, state, fingerprint, context, result)
           values ($1::uuid, $2::text, $3::text, $4::text, $5::text, $6::jsonb, $7::jsonb)
           on conflict (tenant_id, provider, key) do update set state = excluded.state, fingerprint = excluded.fingerprint,
             context = coalesce(excluded.context, payments.provider_idempotency.context), result = excluded.result, updated_at = now()`,
          [ctx.tenantId, providerOf(ctx), ctx.params.key, r.state, r.fingerprint, JSON.stringify(r.context ?? null), JSON.stringify(r.result ?? null)],
        );
        return { ok: true };
      },
    }),
  },
});

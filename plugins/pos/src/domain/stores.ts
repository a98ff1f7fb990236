import { NotFoundError, type RequestContext } from '@atrium/sdk';
import { storeSettings, type StoreSettings } from './settings.ts';

/**
 * A store the POS works in: one of the tenant's kernel stores (`kernel.Store`) that has POS
 * settings. Everything per-store (registers, stock, prices) checks it here, so a request for
 * another tenant's store id or a store never set up answers 404 naming the field.
 */
export async function requireStore(ctx: RequestContext, storeId: string, field = 'storeId'): Promise<StoreSettings> {
  const s = await storeSettings(ctx, storeId);
  if (!s) throw new NotFoundError(`Store ${storeId} is not set up for POS (${field})`, { subject: 'pos.Store', field }, 'STORE_NOT_SET_UP');
  return s;
}

export type KernelStore = { id: string; name: string; address: string | null };

/** The tenant's kernel stores (through the kernel's own action, never its tables). */
export async function kernelStores(ctx: RequestContext): Promise<KernelStore[]> {
  const out: KernelStore[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = await ctx.call<{ items: KernelStore[]; total: number }>('tenants.listStores', { limit: 200, offset });
    out.push(...page.items);
    if (out.length >= page.total || !page.items.length) return out;
  }
}

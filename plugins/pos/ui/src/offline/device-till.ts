import { registerKeyFor } from '../checkout/use-till.ts';
import type { Register, Shift } from '../lib/types.ts';
import { openPosDb } from './idb.ts';

/**
 * The register this device's checkout works at (remembered in the POS database by the till), or
 * null: no checkout was opened here, or IndexedDB is unavailable. The back office uses it to put
 * cash taken at the counter (customer deposits, repayments) into that till's drawer.
 */
export async function rememberedRegister(tenantId: string): Promise<Register | null> {
  try {
    const db = await openPosDb(tenantId);
    try {
      const row = await db.get<{ register?: Register; shift?: Shift | null }>('meta', registerKeyFor(tenantId));
      return row?.register ?? null;
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

import crypto from 'node:crypto';
import type { FileStore } from './file-store.ts';

export type StoredFile = { id: string; name: string; contentType: string; size: number; sha256: string; createdAt?: string };

/** Saves bytes and their metadata row (in the caller's tenant transaction). */
export async function storeFile(store: FileStore, em: any, input: { tenantId: string; name: string; contentType: string; data: Buffer; ownerPlugin?: string | null; userId?: string | null }): Promise<StoredFile> {
  const id = crypto.randomUUID();
  const sha256 = crypto.createHash('sha256').update(input.data).digest('hex');
  const key = `${input.tenantId}/${id}`;
  await store.put(key, input.data);
  const [row] = await em.execute(
    `insert into kernel.file (tenant_id, id, name, content_type, size, sha256, storage_key, owner_plugin, created_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?)
     returning id, name, content_type as "contentType", size::int, sha256, created_at as "createdAt"`,
    [input.tenantId, id, input.name, input.contentType, input.data.length, sha256, key, input.ownerPlugin ?? null, input.userId ?? null],
  );
  return row;
}

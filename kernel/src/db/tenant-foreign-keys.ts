import pg from 'pg';

export type UnsafeForeignKey = { table: string; constraint: string; columns: string[]; references: string; referencedColumns: string[] };

/**
 * Foreign keys of a plugin's tables that point at another tenant table without tenant_id.
 *
 * PostgreSQL checks a foreign key without row level security: `intent_id references
 * payments.intent (id)` accepts a row of tenant B naming an intent of tenant A, and only route
 * code stands in between. A key that maps the row's tenant_id to the referenced row's tenant_id
 * (`foreign key (tenant_id, intent_id) references payments.intent (tenant_id, id)`) cannot cross
 * tenants. Keys to tables without tenant_id (kernel.tenant itself, global catalogues) are fine.
 * The kernel refuses to boot a plugin that has one (kernel.ts), as it refuses tables without RLS.
 */
export async function foreignKeysWithoutTenant(ownerUrl: string, schema: string): Promise<UnsafeForeignKey[]> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const r = await client.query<{ tbl: string; conname: string; ref: string; cols: string[]; refcols: string[] }>(
      `select n.nspname || '.' || cl.relname as tbl, c.conname, fn.nspname || '.' || ft.relname as ref,
         array(select a.attname::text from unnest(c.conkey) with ordinality k(num, i) join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.num order by k.i) as cols,
         array(select a.attname::text from unnest(c.confkey) with ordinality k(num, i) join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.num order by k.i) as refcols
       from pg_constraint c
       join pg_class cl on cl.oid = c.conrelid join pg_namespace n on n.oid = cl.relnamespace
       join pg_class ft on ft.oid = c.confrelid join pg_namespace fn on fn.oid = ft.relnamespace
       where c.contype = 'f' and n.nspname = $1
         and exists (select 1 from pg_attribute a where a.attrelid = c.conrelid and a.attname = 'tenant_id' and not a.attisdropped)
         and exists (select 1 from pg_attribute a where a.attrelid = c.confrelid and a.attname = 'tenant_id' and not a.attisdropped)
       order by 1, 2`,
      [schema],
    );
    return r.rows
      .filter((k) => !k.cols.some((col, i) => col === 'tenant_id' && k.refcols[i] === 'tenant_id'))
      .map((k) => ({ table: k.tbl, constraint: k.conname, columns: k.cols, references: k.ref, referencedColumns: k.refcols }));
  } finally {
    await client.end();
  }
}

/** The boot refusal's message: plugin, table, constraint, and what to do. */
export function unsafeForeignKeysMessage(pluginId: string, keys: UnsafeForeignKey[]): string {
  const list = keys.map((k) => `${k.table}: constraint "${k.constraint}" (${k.columns.join(', ')}) → ${k.references} (${k.referencedColumns.join(', ')})`).join('; ');
  return `Plugin "${pluginId}" has foreign keys between tenant tables that leave out tenant_id: ${list}. PostgreSQL checks a foreign key without row level security, so such a key accepts a row pointing at another tenant's row. `
    + `In a new migration, make each one composite — foreign key (tenant_id, <column>) references <table> (tenant_id, <column>), with a unique key on (tenant_id, …) in the referenced table — and drop the old one (never edit a released migration).`;
}

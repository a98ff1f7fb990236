// A foreign key is checked by PostgreSQL without row level security: between tenant tables it must
// carry tenant_id, or a row could point at another tenant's row. The kernel refuses to boot a plugin
// that has one, naming the plugin, the table, the constraint and what to do.
import { describe, expect, it } from 'vitest';
import { createTestKernel } from '@atrium/sdk/testing';
import { definePlugin, tenantRls } from '@atrium/sdk';

const withFk = (id: string, reference: string) => definePlugin({
  manifest: { id, version: '0.1.0', displayName: { en: id }, engines: { sdk: '^1.0.0' }, data: { owns: [`${id.replace(/-/g, '_')}.parent`, `${id.replace(/-/g, '_')}.child`] } },
  migrations: [{
    name: '0001',
    up: `
create table ${id.replace(/-/g, '_')}.parent (tenant_id uuid not null, id uuid not null, primary key (tenant_id, id), unique (id));
${tenantRls(`${id.replace(/-/g, '_')}.parent`)}
create table ${id.replace(/-/g, '_')}.child (tenant_id uuid not null, id uuid not null, parent_id uuid not null, primary key (tenant_id, id), ${reference});
${tenantRls(`${id.replace(/-/g, '_')}.child`)}
`,
  }],
});

describe('foreign keys between tenant tables', () => {
  it('a plugin whose foreign key leaves out tenant_id is refused at boot, with plugin, table, constraint and the fix named', async () => {
    const leaky = withFk('fk-leaky', 'constraint child_parent_fk foreign key (parent_id) references fk_leaky.parent (id)');
    const err = await createTestKernel({ plugins: [leaky] }).then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/Plugin "fk-leaky" has foreign keys between tenant tables that leave out tenant_id/);
    expect(err?.message).toContain('fk_leaky.child: constraint "child_parent_fk" (parent_id) → fk_leaky.parent (id)');
    expect(err?.message).toMatch(/foreign key \(tenant_id, <column>\) references <table> \(tenant_id, <column>\)/);
  });

  it('a key that carries tenant_id (and keys to tables without it, such as kernel.tenant) boot', async () => {
    const safe = withFk('fk-safe', 'foreign key (tenant_id, parent_id) references fk_safe.parent (tenant_id, id), foreign key (tenant_id) references kernel.tenant (id)');
    const tk = await createTestKernel({ plugins: [safe] });
    await tk.stop();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestKernel } from '@atrium/sdk/testing';
import notes from '../../plugins/notes/src/index.ts';
import { tallyPlugin, leakyPlugin, futureManifest } from './fixtures/test-plugins.ts';
import { validateManifest } from '@atrium/sdk';

let tk: TestKernel;

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [notes, tallyPlugin],
    tenants: [
      { name: 'One', owner: 'owner@one.test', users: [{ email: 'staff@one.test', roles: ['staff'] }, { email: 'admin@one.test', roles: ['admin'] }] },
      { name: 'Two', owner: 'owner@two.test', enable: ['notes'] },
    ],
  });
});
afterAll(async () => tk?.stop());

describe('plugin lifecycle', () => {
  it('lists the catalog with this tenant\'s state', async () => {
    const owner = await tk.as('owner@one.test');
    const r = await owner.get('/api/plugins');
    expect(r.status).toBe(200);
    expect(r.body.items.map((p: any) => [p.id, p.state])).toEqual([['notes', 'disabled'], ['tally', 'disabled']]);
    expect(r.body.items[1].dependencies).toEqual({ notes: '^0.1.0' });
  });

  it('refuses to enable a plugin whose dependencies are not enabled, listing them', async () => {
    const owner = await tk.as('owner@one.test');
    const r = await owner.post('/api/plugins/tally/enable');
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('DEPENDENCY_MISSING');
    expect(r.body.error.details.plugins).toEqual(['notes']);
    // the message names the missing plugin by its display name, in the request's language
    expect(r.body.error.message).toMatch(/needs Notes turned on first/);
    const ru = await owner.post('/api/plugins/tally/enable', undefined, { headers: { 'Accept-Language': 'ru-RU,ru;q=0.9' } });
    expect(ru.body.error.message).toMatch(/сначала включите: Заметки/);
  });

  it('disabled plugin routes answer 403 PLUGIN_DISABLED', async () => {
    const owner = await tk.as('owner@one.test');
    const r = await owner.get('/api/notes/notes');
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('PLUGIN_DISABLED');
  });

  it('enable → use → cannot disable a dependency → disable → 403 → re-enable keeps data', async () => {
    const owner = await tk.as('owner@one.test');
    expect((await owner.post('/api/plugins/notes/enable')).body.state).toBe('enabled');
    const note = await owner.post('/api/notes/notes', { title: 'kept across disable' });
    expect(note.status).toBe(201);
    expect((await owner.put('/api/plugins/tally/settings', { settings: { apiKey: 'k-123' } })).status).toBe(200);
    expect((await owner.post('/api/plugins/tally/enable')).body.state).toBe('enabled');

    const blocked = await owner.post('/api/plugins/notes/disable');
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.code).toBe('DEPENDENTS_ENABLED');
    expect(blocked.body.error.details.plugins).toEqual(['tally']);

    expect((await owner.post('/api/plugins/tally/disable')).body.state).toBe('disabled');
    expect((await owner.post('/api/plugins/notes/disable')).body.state).toBe('disabled');
    expect((await owner.get(`/api/notes/notes/${note.body.id}`)).body.error.code).toBe('PLUGIN_DISABLED');
    // tenant Two is unaffected
    const two = await tk.as('owner@two.test');
    expect((await two.get('/api/notes/notes')).status).toBe(200);

    expect((await owner.post('/api/plugins/notes/enable')).status).toBe(200);
    const again = await owner.get(`/api/notes/notes/${note.body.id}`);
    expect(again.status).toBe(200);
    expect(again.body.title).toBe('kept across disable');
  });

  it('validates settings against the plugin schema; secrets are write-only', async () => {
    const owner = await tk.as('owner@one.test');
    const bad = await owner.put('/api/plugins/tally/settings', { settings: { label: 'x'.repeat(30), bogus: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: any) => f.field).sort()).toEqual(['bogus', 'label']);
    const ok = await owner.put('/api/plugins/tally/settings', { settings: { label: 'Counter', apiKey: 'secret-value' } });
    expect(ok.status).toBe(200);
    expect(ok.body.settings).toEqual({ label: 'Counter', apiKey: null, webhookSecrets: null });
    expect(ok.body.secretsSet).toEqual(['apiKey']);
    expect(JSON.stringify((await owner.get('/api/plugins/tally')).body)).not.toContain('secret-value');
    const audit = await owner.get('/api/audit', { query: { action: 'plugins.updateSettings' } });
    expect(JSON.stringify(audit.body)).not.toContain('secret-value');
    // keeping a secret: omit it; the plugin still sees it server side
    await owner.put('/api/plugins/tally/settings', { settings: { label: 'Renamed' } });
    await owner.post('/api/plugins/tally/enable');
    const seen = await owner.get('/api/tally/tallies');
    expect(seen.body.settings).toEqual({ label: 'Renamed', apiKey: 'secret-value' });
  });

  it('secret merge: omitted keeps, a list is replaced whole, null clears, an empty list is refused', async () => {
    // what the admin's settings dialog relies on (admin/src/components/schema-form/schema.ts)
    const owner = await tk.as('owner@one.test');
    const put = (settings: Record<string, unknown>) => owner.put('/api/plugins/tally/settings', { settings });
    const seen = async () => (await owner.get('/api/tally/tallies')).body.settings;
    const info = (await owner.get('/api/plugins/tally')).body;
    expect(info.secretFields).toEqual(['apiKey', 'webhookSecrets']);
    // the form's words come with it, in every language (the plugin's catalogs' `settings`)
    expect(info.settingsText.ru.label).toEqual({ title: 'Подпись', description: 'Видна на счётчике' });
    expect(Object.keys(info.settingsText).sort()).toEqual(['en', 'kk', 'ru', 'uk']);

    const set = await put({ label: 'Rot', webhookSecrets: ['whsec_old_1', 'whsec_new_2'] });
    expect(set.status).toBe(200);
    expect(set.body.settings).toEqual({ label: 'Rot', apiKey: null, webhookSecrets: null });
    expect(set.body.secretsSet.sort()).toEqual(['apiKey', 'webhookSecrets']);
    expect(await seen()).toEqual({ label: 'Rot', apiKey: 'secret-value', webhookSecrets: ['whsec_old_1', 'whsec_new_2'] });

    // both secrets omitted: both kept
    expect((await put({ label: 'Kept' })).status).toBe(200);
    expect(await seen()).toEqual({ label: 'Kept', apiKey: 'secret-value', webhookSecrets: ['whsec_old_1', 'whsec_new_2'] });

    // rotation: the new list replaces the stored one (no merge of entries)
    expect((await put({ label: 'Kept', webhookSecrets: ['whsec_new_2'] })).status).toBe(200);
    expect((await seen()).webhookSecrets).toEqual(['whsec_new_2']);

    // an empty list is not "keep": it is stored as-is, fails the schema and changes nothing
    const empty = await put({ label: 'Kept', webhookSecrets: [] });
    expect(empty.status).toBe(400);
    expect(empty.body.error.fields.map((f: any) => f.field)).toEqual(['webhookSecrets']);
    expect((await seen()).webhookSecrets).toEqual(['whsec_new_2']);

    // null clears a secret
    const cleared = await put({ label: 'Kept', apiKey: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.secretsSet).toEqual(['webhookSecrets']);
    expect(await seen()).toEqual({ label: 'Kept', webhookSecrets: ['whsec_new_2'] });

    // the values go inside { settings }: a bare object is refused, nothing stored
    const bare = await owner.put('/api/plugins/tally/settings', { label: 'Bare' });
    expect(bare.status).toBe(400);
    expect((await seen()).label).toBe('Kept');
  });

  it('enforces the call allowlist declared in the manifest', async () => {
    const owner = await tk.as('owner@one.test');
    expect((await owner.get('/api/tally/tallies/notes-seen')).status).toBe(200);
    const denied = await owner.get('/api/tally/tallies/forbidden-call');
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('CALL_NOT_ALLOWED');
  });

  it('grants default permissions on first enable and filters the UI manifest by ability', async () => {
    const staff = await tk.as('staff@one.test');
    const ui = await staff.get('/api/ui-manifest');
    expect(ui.status).toBe(200);
    const ids = ui.body.plugins.map((p: any) => p.id).sort();
    expect(ids).toEqual(['notes', 'tally']);
    const notesUi = ui.body.plugins.find((p: any) => p.id === 'notes');
    expect(notesUi.entry).toBe('/plugins/notes/ui/dist/index.js?v=0.1.0');
    expect(notesUi.contributions.some((c: any) => c.slot === 'nav')).toBe(true);
    // staff may not manage plugins
    expect((await staff.post('/api/plugins/notes/disable')).status).toBe(403);
  });

  it('purge exports the tenant\'s data first, then deletes only that plugin\'s rows of that tenant', async () => {
    const owner = await tk.as('owner@one.test');
    const two = await tk.as('owner@two.test');
    await owner.post('/api/notes/notes', { title: 'to be purged' });
    const keepTwo = await two.post('/api/notes/notes', { title: 'tenant two keeps this' });
    expect((await owner.post('/api/plugins/tally/disable')).status).toBe(200);
    expect((await owner.post('/api/plugins/notes/purge')).body.error.code).toBe('PLUGIN_ENABLED');
    expect((await owner.post('/api/plugins/notes/disable')).status).toBe(200);
    const started = await owner.post('/api/plugins/notes/purge');
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ state: 'purging', progress: 0 });
    // the purge runs as a job: the plugin shows its progress, then purged
    let purge: any;
    for (let i = 0; i < 400 && purge?.state !== 'purged'; i++) {
      purge = (await owner.get('/api/plugins/notes')).body;
      if (purge.state !== 'purged') await new Promise((r) => setTimeout(r, 50));
    }
    expect(purge).toMatchObject({ state: 'purged', progress: 100, error: null });
    expect(purge.purge.deleted['notes.note']).toBeGreaterThanOrEqual(2);
    const file = await owner.get(`/api/files/${purge.purge.exportFileId}`);
    expect(file.status).toBe(200);
    const exported = typeof file.body === 'string' ? JSON.parse(file.body) : file.body;
    expect(exported.tables['notes.note'].map((n: any) => n.title)).toContain('to be purged');
    expect(exported.tables['notes.note'].every((n: any) => n.tenant_id === tk.tenants.One.id)).toBe(true);
    // tenant Two's notes are untouched; tenant One's are gone after re-enabling
    expect((await two.get(`/api/notes/notes/${keepTwo.body.id}`)).status).toBe(200);
    await owner.post('/api/plugins/notes/enable');
    expect((await owner.get('/api/notes/notes')).body.total).toBe(0);
  });

  it('never serves a stale state after enable/disable returns, even with reads racing the change', async () => {
    const owner = await tk.as('owner@two.test');
    for (const action of ['disable', 'enable', 'disable', 'enable'] as const) {
      const reads = Array.from({ length: 20 }, () => owner.get('/api/ui-manifest'));
      const r = await owner.post(`/api/plugins/notes/${action}`);
      await Promise.all(reads);
      expect(r.status).toBe(200);
      const ids = (await owner.get('/api/ui-manifest')).body.plugins.map((p: any) => p.id);
      expect(ids.includes('notes'), `after ${action}`).toBe(action === 'enable');
      expect((await owner.get('/api/notes/notes')).status).toBe(action === 'enable' ? 200 : 403);
    }
  });

  it('audits lifecycle changes', async () => {
    const owner = await tk.as('owner@one.test');
    const r = await owner.get('/api/audit', { query: { action: 'plugins.', limit: 100 } });
    const actions = r.body.items.map((i: any) => `${i.action}:${i.targetId}`);
    expect(actions).toContain('plugins.purge:notes');
    expect(actions).toContain('plugins.enable:tally');
    expect(r.body.items.find((i: any) => i.action === 'plugins.disable').diff).toEqual({ before: { state: 'enabled' }, after: { state: 'disabled' } });
  });
});

describe('plugin installation guards', () => {
  it('refuses a plugin whose tenant tables lack row level security', async () => {
    await expect(createTestKernel({ plugins: [leakyPlugin] })).rejects.toThrow(/without row level security: leaky\.thing/);
  });
  it('refuses a manifest that needs another SDK major', () => {
    expect(() => validateManifest(futureManifest)).toThrow(/requires SDK \^2\.0\.0/);
  });
});

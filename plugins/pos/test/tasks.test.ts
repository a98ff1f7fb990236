import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';

/**
 * Staff tasks through the real kernel and Postgres: templates, assignment to members only, the
 * status machine, cashiers/staff limited to their own tasks by their CASL rule (lists filtered in
 * SQL, single tasks 403), comments, photo reports stored by the kernel's files service, filters,
 * events in the outbox, the recurring-template job and tenant isolation.
 */
let tk: TestKernel;
let sys: pg.Client;
let owner: TestClient;
let manager: TestClient;
let anna: TestClient; // cashier
let boris: TestClient; // cashier
let stas: TestClient; // staff (may upload files)
let rival: TestClient;

// a real 1×1 PNG
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [path.resolve(import.meta.dirname, '..')],
    tenants: [
      {
        name: 'Corner shop',
        owner: 'owner@corner.test',
        users: [
          { email: 'manager@corner.test', roles: ['manager'] },
          { email: 'anna@corner.test', roles: ['cashier'] },
          { email: 'boris@corner.test', roles: ['cashier'] },
          { email: 'stas@corner.test', roles: ['staff'] },
        ],
        enable: ['pos'],
      },
      { name: 'Rival', owner: 'owner@rival.test', enable: ['pos'] },
    ],
  });
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  [owner, manager, anna, boris, stas, rival] = await Promise.all(
    ['owner@corner.test', 'manager@corner.test', 'anna@corner.test', 'boris@corner.test', 'stas@corner.test', 'owner@rival.test'].map((e) => tk.as(e)),
  );
});

afterAll(async () => {
  await sys?.end();
  await tk?.stop();
});

const key = () => ({ headers: { 'idempotency-key': crypto.randomUUID() } });

async function newTask(c: TestClient, body: Record<string, unknown>) {
  const r = await c.post('/api/pos/tasks', body, key());
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

const ids = (r: { body: { items: { id: string }[] } }) => r.body.items.map((x) => x.id);

describe('task templates', () => {
  it('a task made from a template takes its title, checklist, priority, due time and assignee', async () => {
    const t = await manager.post('/api/pos/task-templates', {
      title: 'Проверить ценники', description: 'Весь зал', checklist: ['Молочный отдел', 'Бакалея'], priority: 'high', dueInHours: 4, defaultAssigneeId: anna.userId,
    });
    expect(t.status, JSON.stringify(t.body)).toBe(201);
    expect((await manager.post('/api/pos/task-templates', { title: 'проверить ценники' })).status).toBe(409);
    const outsider = await manager.post('/api/pos/task-templates', { title: 'Outsider', defaultAssigneeId: rival.userId });
    expect(outsider.status).toBe(422);
    expect(outsider.body.error).toMatchObject({ code: 'NOT_A_MEMBER', details: { field: 'defaultAssigneeId' } });
    const recurringNobody = await manager.post('/api/pos/task-templates', { title: 'Daily nobody', recurrence: 'daily' });
    expect(recurringNobody.status).toBe(400);
    expect(recurringNobody.body.error.fields[0].field).toBe('defaultAssigneeId');
    expect((await anna.post('/api/pos/task-templates', { title: 'By a cashier' })).status).toBe(403);

    const before = Date.now();
    const task = await newTask(manager, { templateId: t.body.id });
    expect(task).toMatchObject({
      title: 'Проверить ценники', description: 'Весь зал', priority: 'high', status: 'assigned', assigneeId: anna.userId, templateId: t.body.id,
      checklist: [{ text: 'Молочный отдел', done: false }, { text: 'Бакалея', done: false }], createdBy: manager.userId, overdue: false,
    });
    const due = new Date(task.dueAt).getTime();
    expect(due).toBeGreaterThanOrEqual(before + 4 * 3_600_000 - 1000);
    expect(due).toBeLessThanOrEqual(Date.now() + 4 * 3_600_000 + 1000);
    // explicit fields win over the template's
    const custom = await newTask(manager, { templateId: t.body.id, title: 'Ценники: только молочка', priority: 'urgent', assigneeId: null });
    expect(custom).toMatchObject({ title: 'Ценники: только молочка', priority: 'urgent', status: 'new', assigneeId: null });

    expect((await manager.post('/api/pos/tasks', { templateId: crypto.randomUUID() }, key())).body.error.fields.map((f: any) => f.field)).toContain('templateId');
    const noTitle = await manager.post('/api/pos/tasks', { description: 'no title' }, key());
    expect(noTitle.status).toBe(400);
    expect(noTitle.body.error.fields[0].field).toBe('title');

    // a used template is archived, not deleted
    expect((await manager.delete(`/api/pos/task-templates/${t.body.id}`)).body).toMatchObject({ deleted: false, archived: true });
    expect((await manager.post('/api/pos/tasks', { templateId: t.body.id }, key())).status).toBe(422);
    const unused = await manager.post('/api/pos/task-templates', { title: 'Unused' });
    expect((await manager.delete(`/api/pos/task-templates/${unused.body.id}`)).body).toMatchObject({ deleted: true });
  });

  it('a recurring template makes one task per period, however often the job runs', async () => {
    const t = await manager.post('/api/pos/task-templates', { title: 'Открыть смену: касса и витрина', recurrence: 'daily', defaultAssigneeId: boris.userId, checklist: ['Размен'] });
    expect(t.status, JSON.stringify(t.body)).toBe(201);
    const run = () => tk.kernel.broker.call('pos.$system.runJob', { name: 'recurringTasks', data: {}, jobId: crypto.randomUUID() }, { meta: { system: true, tenantId: owner.tenantId, requestId: 'job:test' } });
    const first = await run();
    expect(first).toEqual({ created: 1, skipped: 0 });
    expect(await run()).toEqual({ created: 0, skipped: 0 });
    const made = await manager.get('/api/pos/tasks', { query: { templateId: t.body.id } });
    expect(made.body.total).toBe(1);
    expect(made.body.items[0]).toMatchObject({ assigneeId: boris.userId, status: 'assigned', createdBy: null, checklist: [{ text: 'Размен', done: false }] });
  });
});

describe('tasks', () => {
  it('assigning needs the assign permission and a member of the business', async () => {
    const task = await newTask(manager, { title: 'Разобрать поставку', priority: 'normal' });
    expect(task).toMatchObject({ status: 'new', assigneeId: null });
    expect((await anna.post(`/api/pos/tasks/${task.id}/assign`, { assigneeId: anna.userId })).status).toBe(403);
    const outsider = await manager.post(`/api/pos/tasks/${task.id}/assign`, { assigneeId: rival.userId });
    expect(outsider.status).toBe(422);
    expect(outsider.body.error).toMatchObject({ code: 'NOT_A_MEMBER', details: { field: 'assigneeId' } });
    const ok = await manager.post(`/api/pos/tasks/${task.id}/assign`, { assigneeId: boris.userId });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ status: 'assigned', assigneeId: boris.userId, version: task.version + 1 });
    // a cashier cannot hand a task on through PATCH either
    expect((await boris.patch(`/api/pos/tasks/${task.id}`, { assigneeId: anna.userId })).status).toBe(403);
    const back = await manager.post(`/api/pos/tasks/${task.id}/assign`, { assigneeId: null });
    expect(back.body).toMatchObject({ status: 'new', assigneeId: null });
    expect((await manager.patch(`/api/pos/tasks/${task.id}`, { status: 'assigned' })).body.error.details.field).toBe('assigneeId');

    // the assignee hears about it: the events carry the assignee
    const events = await sys.query(`select name, payload from kernel.outbox where tenant_id = $1 and payload->>'id' = $2 order by id`, [owner.tenantId, task.id]);
    const names = events.rows.map((e: any) => e.name);
    expect(names).toContain('pos.task.created.v1');
    const assigned = events.rows.find((e: any) => e.name === 'pos.task.updated.v1' && e.payload.assigneeId === boris.userId);
    expect(assigned.payload).toMatchObject({ changes: expect.arrayContaining(['assigneeId', 'status']), status: 'assigned', previousStatus: 'new', previousAssigneeId: null, updatedBy: manager.userId });
  });

  it('a cashier sees and changes only tasks assigned to them (lists filtered in SQL, others 403)', async () => {
    const forAnna = await newTask(manager, { title: 'Anna: витрина', assigneeId: anna.userId });
    const forBoris = await newTask(manager, { title: 'Boris: склад', assigneeId: boris.userId });
    const nobody = await newTask(manager, { title: 'Nobody yet' });

    const annaList = await anna.get('/api/pos/tasks', { query: { limit: 200 } });
    expect(annaList.status).toBe(200);
    expect(annaList.body.items.every((t: any) => t.assigneeId === anna.userId)).toBe(true);
    expect(ids(annaList)).toContain(forAnna.id);
    expect(ids(annaList)).not.toContain(forBoris.id);
    expect(ids(annaList)).not.toContain(nobody.id);
    const [{ n }] = (await sys.query('select count(*)::int as n from pos.task where tenant_id = $1 and assignee_id = $2', [owner.tenantId, anna.userId])).rows;
    expect(annaList.body.total).toBe(n);
    // asking for someone else's tasks still only gives her own (none)
    expect((await anna.get('/api/pos/tasks', { query: { assigneeId: boris.userId } })).body).toMatchObject({ items: [], total: 0 });
    const all = await manager.get('/api/pos/tasks', { query: { limit: 200 } });
    expect(ids(all)).toEqual(expect.arrayContaining([forAnna.id, forBoris.id, nobody.id]));

    expect((await anna.get(`/api/pos/tasks/${forBoris.id}`)).status).toBe(403);
    const foreign = await anna.patch(`/api/pos/tasks/${forBoris.id}`, { status: 'in_progress' });
    expect(foreign.status).toBe(403);
    expect((await anna.post(`/api/pos/tasks/${forBoris.id}/comments`, { body: 'hi' }, key())).status).toBe(403);
    expect((await manager.get(`/api/pos/tasks/${forBoris.id}`)).body).toMatchObject({ status: 'assigned', comments: 0 });
    expect((await anna.post('/api/pos/tasks', { title: 'self-made' }, key())).status).toBe(403);
    expect((await anna.delete(`/api/pos/tasks/${forAnna.id}`)).status).toBe(403);
  });

  it('status transitions: the assignee works it, a manager decides; invalid moves are 422 naming the transition', async () => {
    const task = await newTask(manager, { title: 'Переоценка', assigneeId: anna.userId });
    const skip = await anna.patch(`/api/pos/tasks/${task.id}`, { status: 'on_review' });
    expect(skip.status).toBe(422);
    expect(skip.body.error.code).toBe('INVALID_TRANSITION');
    expect(skip.body.error.message).toContain('from assigned to on review');
    expect(skip.body.error.details).toMatchObject({ field: 'status', from: 'assigned', to: 'on_review', allowed: ['new', 'in_progress', 'canceled'] });
    expect((await anna.patch(`/api/pos/tasks/${task.id}`, { status: 'finished' })).status).toBe(400);

    const started = await anna.patch(`/api/pos/tasks/${task.id}`, { status: 'in_progress' });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(started.body.startedAt).toBeTruthy();
    const selfApprove = await anna.patch(`/api/pos/tasks/${task.id}`, { status: 'done' });
    expect(selfApprove.status).toBe(403);
    expect(selfApprove.body.error.code).toBe('TASK_DECISION');
    expect((await anna.patch(`/api/pos/tasks/${task.id}`, { status: 'canceled' })).status).toBe(403);
    // ticking the checklist is the assignee's; a stale version is refused
    const ticked = await anna.patch(`/api/pos/tasks/${task.id}`, { checklist: [{ text: 'Молочка', done: true }], version: started.body.version });
    expect(ticked.status).toBe(200);
    expect((await anna.patch(`/api/pos/tasks/${task.id}`, { status: 'on_review', version: started.body.version })).body.error.code).toBe('STALE');
    const review = await anna.patch(`/api/pos/tasks/${task.id}`, { status: 'on_review', version: ticked.body.version });
    expect(review.body.status).toBe('on_review');

    const done = await manager.patch(`/api/pos/tasks/${task.id}`, { status: 'done' });
    expect(done.body).toMatchObject({ status: 'done' });
    expect(done.body.completedAt).toBeTruthy();
    const bad = await manager.patch(`/api/pos/tasks/${task.id}`, { status: 'on_review' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.message).toContain('from done to on review');
    expect((await manager.post(`/api/pos/tasks/${task.id}/assign`, { assigneeId: boris.userId })).body.error.code).toBe('TASK_CLOSED');
    const reopened = await manager.patch(`/api/pos/tasks/${task.id}`, { status: 'in_progress' });
    expect(reopened.body).toMatchObject({ status: 'in_progress', completedAt: null });
  });

  it('comments and a photo report stored by the files service', async () => {
    const task = await newTask(manager, { title: 'Фото полки с акцией', assigneeId: stas.userId });
    const c1 = await stas.post(`/api/pos/tasks/${task.id}/comments`, { body: 'Начал, акционные ценники есть' }, key());
    expect(c1.status, JSON.stringify(c1.body)).toBe(201);
    expect(c1.body).toMatchObject({ taskId: task.id, authorId: stas.userId, body: 'Начал, акционные ценники есть' });
    await manager.post(`/api/pos/tasks/${task.id}/comments`, { body: 'Жду фото' }, key());
    expect((await stas.post(`/api/pos/tasks/${task.id}/comments`, { body: '   ' }, key())).status).toBe(400);
    const comments = await stas.get(`/api/pos/tasks/${task.id}/comments`);
    expect(comments.body.total).toBe(2);
    expect(comments.body.items.map((c: any) => c.body)).toEqual(['Начал, акционные ценники есть', 'Жду фото']);

    const up = await stas.request('POST', `/api/pos/tasks/${task.id}/photos`, { raw: PNG, headers: { 'content-type': 'image/png' }, query: { name: 'shelf.png', caption: 'Полка 3' } });
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body).toMatchObject({ taskId: task.id, name: 'shelf.png', contentType: 'image/png', size: PNG.length, caption: 'Полка 3', uploadedBy: stas.userId });
    // the bytes live in the kernel's files service
    const file = await stas.request('GET', `/api/files/${up.body.fileId}`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    const bytes = Buffer.from(await (await fetch(new URL(`/api/files/${up.body.fileId}`, tk.url), { headers: { authorization: `Bearer ${stas.token}` } })).arrayBuffer());
    expect(bytes.equals(PNG)).toBe(true);
    const [f] = (await sys.query('select owner_plugin, size::int as size from kernel.file where id = $1', [up.body.fileId])).rows;
    expect(f).toEqual({ owner_plugin: 'pos', size: PNG.length });

    const notImage = await stas.request('POST', `/api/pos/tasks/${task.id}/photos`, { raw: 'a,b\n1,2\n', headers: { 'content-type': 'text/csv' }, query: { name: 'x.csv' } });
    expect(notImage.status).toBe(400);
    expect(notImage.body.error.fields[0].field).toBe('contentType');
    expect((await anna.request('POST', `/api/pos/tasks/${task.id}/photos`, { raw: PNG, headers: { 'content-type': 'image/png' }, query: { name: 'a.png' } })).status).toBe(403);

    const photos = await manager.get(`/api/pos/tasks/${task.id}/photos`);
    expect(photos.body.items).toEqual([expect.objectContaining({ fileId: up.body.fileId, url: `/api/files/${up.body.fileId}` })]);
    expect((await manager.get(`/api/pos/tasks/${task.id}`)).body).toMatchObject({ comments: 2, photos: 1 });
  });

  it('filters: status, priority, assignee, overdue, due before, store; paginated', async () => {
    const store = await owner.post('/api/pos/stores', { name: 'Filter store' });
    expect(store.status).toBe(201);
    const past = new Date(Date.now() - 3_600_000).toISOString();
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const late = await newTask(manager, { title: 'F: late', dueAt: past, priority: 'urgent', assigneeId: boris.userId, storeId: store.body.storeId });
    const lateDone = await newTask(manager, { title: 'F: late but done', dueAt: new Date(Date.now() - 1_800_000).toISOString(), assigneeId: boris.userId });
    await boris.patch(`/api/pos/tasks/${lateDone.id}`, { status: 'in_progress' });
    await manager.patch(`/api/pos/tasks/${lateDone.id}`, { status: 'done' });
    const onTime = await newTask(manager, { title: 'F: on time', dueAt: soon, priority: 'low' });
    expect(late.overdue).toBe(true);

    const overdue = await manager.get('/api/pos/tasks', { query: { overdue: true, q: 'F:' } });
    expect(ids(overdue)).toEqual([late.id]);
    const notOverdue = await manager.get('/api/pos/tasks', { query: { overdue: false, q: 'F:' } });
    expect(ids(notOverdue).sort()).toEqual([lateDone.id, onTime.id].sort());
    expect(ids(await manager.get('/api/pos/tasks', { query: { status: 'done', q: 'F:' } }))).toEqual([lateDone.id]);
    expect(ids(await manager.get('/api/pos/tasks', { query: { status: 'done,assigned', q: 'F:' } })).sort()).toEqual([late.id, lateDone.id].sort());
    expect(ids(await manager.get('/api/pos/tasks', { query: { priority: 'urgent,low', q: 'F:' } }))).toEqual([late.id, onTime.id]);
    expect(ids(await manager.get('/api/pos/tasks', { query: { dueBefore: new Date().toISOString(), q: 'F:' } })).sort()).toEqual([late.id, lateDone.id].sort());
    expect(ids(await manager.get('/api/pos/tasks', { query: { storeId: store.body.storeId } }))).toEqual([late.id]);
    expect(ids(await manager.get('/api/pos/tasks', { query: { assigneeId: boris.userId, q: 'F:' } })).sort()).toEqual([late.id, lateDone.id].sort());
    expect(ids(await boris.get('/api/pos/tasks', { query: { mine: true, overdue: true } }))).toContain(late.id);
    expect(ids(await manager.get('/api/pos/tasks', { query: { sort: 'dueAt', q: 'F:' } }))).toEqual([late.id, lateDone.id, onTime.id]);
    expect(ids(await manager.get('/api/pos/tasks', { query: { sort: '-priority', q: 'F:' } }))).toEqual([late.id, lateDone.id, onTime.id]);

    const p1 = await manager.get('/api/pos/tasks', { query: { q: 'F:', limit: 2, offset: 0, sort: 'createdAt' } });
    const p2 = await manager.get('/api/pos/tasks', { query: { q: 'F:', limit: 2, offset: 2, sort: 'createdAt' } });
    expect(p1.body.total).toBe(3);
    expect([...ids(p1), ...ids(p2)]).toEqual([late.id, lateDone.id, onTime.id]);
    expect((await manager.get('/api/pos/tasks', { query: { status: 'sleeping' } })).status).toBe(400);
    expect((await manager.get('/api/pos/tasks', { query: { dueBefore: 'tomorrow' } })).status).toBe(400);
    expect((await manager.post('/api/pos/tasks', { title: 'Bad store', storeId: crypto.randomUUID() }, key())).body.error.fields.map((f: any) => f.field)).toContain('storeId');
  });
});

describe('tenant isolation', () => {
  it('another business cannot see or change our tasks, comments or templates (404)', async () => {
    const task = await newTask(manager, { title: 'Секретная задача', assigneeId: anna.userId });
    const tpl = (await manager.post('/api/pos/task-templates', { title: 'Секретный шаблон' })).body;

    expect((await rival.get(`/api/pos/tasks/${task.id}`)).status).toBe(404);
    expect((await rival.patch(`/api/pos/tasks/${task.id}`, { status: 'canceled' })).status).toBe(404);
    expect((await rival.post(`/api/pos/tasks/${task.id}/assign`, { assigneeId: rival.userId })).status).toBe(404);
    expect((await rival.post(`/api/pos/tasks/${task.id}/comments`, { body: 'x' }, key())).status).toBe(404);
    expect((await rival.get(`/api/pos/tasks/${task.id}/comments`)).status).toBe(404);
    expect((await rival.request('POST', `/api/pos/tasks/${task.id}/photos`, { raw: PNG, headers: { 'content-type': 'image/png' }, query: { name: 'a.png' } })).status).toBe(404);
    expect((await rival.delete(`/api/pos/tasks/${task.id}`)).status).toBe(404);
    expect(ids(await rival.get('/api/pos/tasks', { query: { limit: 200 } }))).not.toContain(task.id);
    expect((await rival.get(`/api/pos/task-templates/${tpl.id}`)).status).toBe(404);
    expect((await rival.post('/api/pos/tasks', { templateId: tpl.id }, key())).status).toBe(404);
    // nor assign our staff to their tasks
    const theirs = await newTask(rival, { title: 'Their task' });
    expect((await rival.post(`/api/pos/tasks/${theirs.id}/assign`, { assigneeId: anna.userId })).status).toBe(422);

    expect((await manager.get(`/api/pos/tasks/${task.id}`)).body).toMatchObject({ status: 'assigned', assigneeId: anna.userId, comments: 0 });
  });
});

import crypto from 'node:crypto';
import { ConflictError, defineAction, defineService, likePattern, listPage, NotFoundError, orderBy, sqlWhere, Type, type ActionContext } from '@atrium/sdk';
import { Note, type NoteEntity } from '../entities/note.ts';
import { NOTE_CREATED, NOTE_DELETED, NOTE_UPDATED } from '../events.ts';

const SUBJECT = 'notes.Note';
const Title = Type.String({ minLength: 1, maxLength: 200 });
// 100 KB of text; the byte limit is also enforced by the table's check constraint
const Body = Type.String({ maxLength: 102400 });
const Id = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

const SORT_COLUMNS = { updatedAt: 'n.updated_at', createdAt: 'n.created_at', title: 'n.title' };
const SORTS = Object.keys(SORT_COLUMNS).flatMap((k) => [k, `-${k}`]);
const NOTE_COLUMNS = 'n.id, n.title, n.body, n.author_id, n.created_at, n.updated_at, n.version';
const INSERT_NOTE = `insert into notes.note (id, tenant_id, title, body, author_id, created_at, updated_at, version)
  values ($1::uuid, $2::uuid, $3::text, $4::text, $5::uuid, $6::timestamptz, $6::timestamptz, 1)`;

function view(n: NoteEntity) {
  return { id: n.id, title: n.title, body: n.body, authorId: n.authorId, createdAt: n.createdAt, updatedAt: n.updatedAt, version: n.version };
}

/** `view` of a row of NOTE_COLUMNS. */
function rowView(r: { id: string; title: string; body: string; author_id: string; created_at: Date; updated_at: Date; version: number }) {
  return { id: r.id, title: r.title, body: r.body, authorId: r.author_id, createdAt: r.created_at, updatedAt: r.updated_at, version: r.version };
}

/** Loads a note the caller may act on; others' notes look like they don't exist (404, not 403). */
async function loadFor(ctx: ActionContext<{ id: string }>, action: string): Promise<NoteEntity> {
  const note = await ctx.em.findOne(Note, { id: ctx.params.id });
  if (!note) throw new NotFoundError('Note not found', { subject: SUBJECT });
  ctx.authorize(action, SUBJECT, view(note));
  return note;
}

export const notesService = defineService({
  name: 'notes',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      summary: 'List notes (paginated, searchable)',
      params: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
        offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
        q: Type.Optional(Type.String({ maxLength: 200 })),
        sort: Type.Optional(Type.Union(SORTS.map((k) => Type.Literal(k)))),
        authorId: Type.Optional(Type.String({ format: 'uuid' })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, q, sort, authorId } = ctx.params;
        // one prepared statement with the total: the caller's read rules are SQL conditions (RBAC
        // filters lists in the database), the tenant's rows are the only ones RLS lets it see
        const rules = ctx.rulesSql('read', SUBJECT, { alias: 'n' });
        const pattern = q === undefined ? undefined : likePattern(q);
        const where = sqlWhere().always(rules.sql, ...rules.params)
          .add(`(n.title ilike ? escape '\\' or n.body ilike ? escape '\\')`, pattern, pattern)
          .add('n.author_id = ?', authorId);
        return listPage(ctx, { select: NOTE_COLUMNS, from: 'notes.note n', where, orderBy: orderBy(sort, SORT_COLUMNS, 'n.updated_at desc', 'n.id'), limit, offset }, rowView);
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Id,
      async handler(ctx) {
        return view(await loadFor(ctx, 'read'));
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      summary: 'Create a note (send Idempotency-Key to make retries safe)',
      params: Type.Object({ title: Title, body: Type.Optional(Body) }, { additionalProperties: false }),
      async handler(ctx) {
        const now = new Date();
        const note = { id: crypto.randomUUID(), title: ctx.params.title.trim() || ctx.params.title, body: ctx.params.body ?? '', authorId: ctx.user!.id, createdAt: now, updatedAt: now, version: 1 };
        // nothing here needs the insert's answer: it travels with the COMMIT (one round trip less)
        ctx.sqlDeferred(INSERT_NOTE, [note.id, ctx.tenantId, note.title, note.body, note.authorId, now]);
        await ctx.emit(NOTE_CREATED, { id: note.id, title: note.title, authorId: note.authorId });
        return note;
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', SUBJECT],
      params: Type.Object({ id: Type.String({ format: 'uuid' }), title: Type.Optional(Title), body: Type.Optional(Body), version: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false }),
      async handler(ctx) {
        const note = await loadFor(ctx, 'update');
        const before = view(note);
        if (ctx.params.version !== undefined && ctx.params.version !== note.version) {
          throw new ConflictError('The note was changed by someone else; reload it', 'STALE', { currentVersion: note.version });
        }
        if (ctx.params.title !== undefined) note.title = ctx.params.title;
        if (ctx.params.body !== undefined) note.body = ctx.params.body;
        await ctx.em.flush();
        ctx.audit.diff(before, view(note));
        await ctx.emit(NOTE_UPDATED, { id: note.id, title: note.title, authorId: note.authorId });
        return view(note);
      },
    }),
    remove: defineAction({
      rest: 'DELETE /:id',
      permission: ['delete', SUBJECT],
      params: Id,
      async handler(ctx) {
        const note = await loadFor(ctx, 'delete');
        const before = view(note);
        ctx.em.remove(note);
        await ctx.em.flush();
        ctx.audit.diff(before, null);
        await ctx.emit(NOTE_DELETED, { id: before.id, title: before.title, authorId: before.authorId });
        return { ok: true };
      },
    }),
  },
});

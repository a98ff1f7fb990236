import { ConflictError, defineAction, defineService, NotFoundError, Type, type ActionContext } from '@atrium/sdk';
import { Note, type NoteEntity } from '../entities/note.ts';
import { NOTE_CREATED, NOTE_DELETED, NOTE_UPDATED } from '../events.ts';

const SUBJECT = 'notes.Note';
const Title = Type.String({ minLength: 1, maxLength: 200 });
// 100 KB of text; the byte limit is also enforced by the table's check constraint
const Body = Type.String({ maxLength: 102400 });
const Id = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

const SORTS: Record<string, Record<string, 'asc' | 'desc'>> = {
  updatedAt: { updatedAt: 'asc' }, '-updatedAt': { updatedAt: 'desc' },
  createdAt: { createdAt: 'asc' }, '-createdAt': { createdAt: 'desc' },
  title: { title: 'asc' }, '-title': { title: 'desc' },
};

function view(n: NoteEntity) {
  return { id: n.id, title: n.title, body: n.body, authorId: n.authorId, createdAt: n.createdAt, updatedAt: n.updatedAt, version: n.version };
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
        sort: Type.Optional(Type.Union(Object.keys(SORTS).map((k) => Type.Literal(k)))),
        authorId: Type.Optional(Type.String({ format: 'uuid' })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, q, sort = '-updatedAt', authorId } = ctx.params;
        // the caller's read rules become SQL conditions (RBAC filters lists in the database)
        const where: Record<string, unknown> = { $and: [ctx.accessibleWhere('read', SUBJECT)] };
        if (q) (where.$and as unknown[]).push({ $or: [{ title: { $ilike: `%${q}%` } }, { body: { $ilike: `%${q}%` } }] });
        if (authorId) (where.$and as unknown[]).push({ authorId });
        const [items, total] = await ctx.em.findAndCount(Note, where as any, { limit, offset, orderBy: [SORTS[sort], { id: 'asc' }] as any });
        return { items: items.map(view), total };
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
        const note = ctx.em.create(Note, { title: ctx.params.title.trim() || ctx.params.title, body: ctx.params.body ?? '', authorId: ctx.user!.id } as any);
        await ctx.em.flush();
        await ctx.emit(NOTE_CREATED, { id: note.id, title: note.title, authorId: note.authorId });
        return view(note);
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

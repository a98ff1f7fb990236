import { defineEntity, p, tenantFilter, tenantIdProperty, uuidPrimaryKey } from '@atrium/sdk';

export const Note = defineEntity({
  name: 'Note',
  schema: 'notes',
  tableName: 'note',
  properties: {
    id: uuidPrimaryKey(),
    tenantId: tenantIdProperty(),
    title: p.string().length(200),
    body: p.text().default(''),
    authorId: p.uuid(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
    version: p.integer().version(),
  },
  filters: tenantFilter as any,
});

export type NoteEntity = InstanceType<typeof Note.class>;

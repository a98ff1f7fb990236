import { Type, type Static } from '@atrium/sdk';

/** Event contracts this plugin publishes: versioned names, TypeBox payloads. */
export const NoteEventPayload = Type.Object({ id: Type.String({ format: 'uuid' }), title: Type.String(), authorId: Type.String({ format: 'uuid' }) });
export type NoteEventPayload = Static<typeof NoteEventPayload>;

export const NOTE_CREATED = 'notes.note.created.v1';
export const NOTE_UPDATED = 'notes.note.updated.v1';
export const NOTE_DELETED = 'notes.note.deleted.v1';

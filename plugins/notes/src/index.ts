import { definePlugin } from '@atrium/sdk';
import manifest from '../atrium.plugin.json' with { type: 'json' };
import { Note } from './entities/note.ts';
import { createNote } from './migrations/0001-create-note.ts';
import { notesService } from './services/notes.service.ts';

export default definePlugin({
  manifest: manifest as any,
  entities: [Note],
  migrations: [createNote],
  services: [notesService],
});

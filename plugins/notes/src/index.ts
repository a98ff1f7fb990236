import { definePlugin } from '@atrium/sdk';
import manifest from '../atrium.plugin.json' with { type: 'json' };
import en from '../messages/en.json' with { type: 'json' };
import kk from '../messages/kk.json' with { type: 'json' };
import ru from '../messages/ru.json' with { type: 'json' };
import uk from '../messages/uk.json' with { type: 'json' };
import { Note } from './entities/note.ts';
import { createNote } from './migrations/0001-create-note.ts';
import { notesService } from './services/notes.service.ts';

export default definePlugin({
  manifest: manifest as any,
  messages: { en, ru, uk, kk },
  entities: [Note],
  migrations: [createNote],
  services: [notesService],
});

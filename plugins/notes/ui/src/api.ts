import type { AtriumHttp, ListQuery, Page } from '@atrium/sdk/ui';

export interface Note {
  id: string;
  title: string;
  body: string;
  authorId: string;
  createdAt: string;
  updatedAt: string;
}
export type NoteInput = Pick<Note, 'title' | 'body'>;

// The notes plugin's REST routes (plugins/notes/src): /api/notes/notes[/id].
export function notesApi(http: AtriumHttp) {
  const base = '/api/notes/notes';
  return {
    list: (q: ListQuery) => http.get<Page<Note>>(base, { ...q }),
    get: (id: string) => http.get<Note>(`${base}/${encodeURIComponent(id)}`),
    create: (n: NoteInput) => http.post<Note>(base, n),
    update: (id: string, n: Partial<NoteInput>) => http.patch<Note>(`${base}/${encodeURIComponent(id)}`, n),
    remove: (id: string) => http.delete<void>(`${base}/${encodeURIComponent(id)}`),
  };
}

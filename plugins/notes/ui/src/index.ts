import { defineUiPlugin } from '@atrium/sdk/ui';
import messages from './messages.ts';
import NotesListPage from './NotesListPage.vue';
import NotesWidget from './NotesWidget.vue';

// The notes plugin's UI: one list page (which also opens /notes/<id> for editing) and a
// dashboard widget. atrium.plugin.json refers to the components by the names below
// (NotesPage for its 'route' contribution, RecentNotesWidget for 'dashboard.widgets').
export default defineUiPlugin({
  routes: [
    { path: '', name: 'list', component: NotesListPage },
    { path: ':id', name: 'edit', component: NotesListPage },
  ],
  components: { NotesPage: NotesListPage, RecentNotesWidget: NotesWidget },
  messages,
});

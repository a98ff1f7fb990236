import { defineUiPlugin } from '@atrium/sdk/ui';
import messages from './messages.ts';
import ChannelsPage from './pages/ChannelsPage.vue';
import ContactsPage from './pages/ContactsPage.vue';
import InboxPage from './pages/InboxPage.vue';
import TemplatesPage from './pages/TemplatesPage.vue';

// The messaging admin: the inbox (phone and desktop, live over the shell's socket), contacts,
// channel accounts and templates. atrium.plugin.json names the components below; `meta.can` makes
// the shell's router send people without the permission back to the dashboard (the API refuses too).
export default defineUiPlugin({
  routes: [
    { path: '', name: 'inbox', component: InboxPage, meta: { can: ['read', 'messaging.Conversation'] } },
    { path: 'c/:id', name: 'conversation', component: InboxPage, meta: { can: ['read', 'messaging.Conversation'] } },
    { path: 'contacts', name: 'contacts', component: ContactsPage, meta: { can: ['read', 'messaging.Contact'] } },
    { path: 'channels', name: 'channels', component: ChannelsPage, meta: { can: ['read', 'messaging.Account'] } },
    { path: 'templates', name: 'templates', component: TemplatesPage, meta: { can: ['read', 'messaging.Template'] } },
  ],
  components: { InboxPage, ContactsPage, ChannelsPage, TemplatesPage },
  messages,
});

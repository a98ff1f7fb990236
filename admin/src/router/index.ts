import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import { ability } from '../stores/ability.ts';
import { useSessionStore } from '../stores/session.ts';
import { usePluginHost, attachRouter } from '../plugin-host/host.ts';

// Hash history: links in emails look like /#/reset-password?token=…, and the same build works
// from file:// (Electron) or a Capacitor web view, where there is no server to rewrite paths.
declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean;
    /** [action, subject] the user needs, e.g. ['read', 'kernel.Role'] */
    can?: [string, string];
    pluginId?: string;
  }
}

const authRoutes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('../pages/auth/LoginPage.vue'), meta: { public: true } },
  { path: '/signup', name: 'signup', component: () => import('../pages/auth/SignupPage.vue'), meta: { public: true } },
  { path: '/confirm-signup', name: 'confirm-signup', component: () => import('../pages/auth/ConfirmSignupPage.vue'), meta: { public: true } },
  { path: '/forgot-password', name: 'forgot-password', component: () => import('../pages/auth/ForgotPasswordPage.vue'), meta: { public: true } },
  { path: '/reset-password', name: 'reset-password', component: () => import('../pages/auth/ResetPasswordPage.vue'), meta: { public: true } },
  { path: '/accept-invitation', name: 'accept-invitation', component: () => import('../pages/auth/AcceptInvitationPage.vue'), meta: { public: true } },
];

const appRoutes: RouteRecordRaw = {
  path: '/',
  name: 'main',
  component: () => import('../layouts/MainLayout.vue'),
  redirect: { name: 'dashboard' },
  children: [
    { path: 'dashboard', name: 'dashboard', component: () => import('../pages/DashboardPage.vue') },
    { path: 'profile', name: 'profile', component: () => import('../pages/profile/ProfilePage.vue') },
    { path: 'plugins', name: 'plugins', component: () => import('../pages/plugins/PluginManagerPage.vue'), meta: { can: ['read', 'kernel.Plugin'] } },
    { path: 'users', name: 'users', component: () => import('../pages/users/UsersPage.vue'), meta: { can: ['read', 'kernel.Member'] } },
    { path: 'roles', name: 'roles', component: () => import('../pages/roles/RolesPage.vue'), meta: { can: ['read', 'kernel.Role'] } },
    { path: 'audit', name: 'audit', component: () => import('../pages/audit/AuditPage.vue'), meta: { can: ['read', 'kernel.Audit'] } },
    { path: 'jobs', name: 'jobs', component: () => import('../pages/jobs/JobsPage.vue'), meta: { can: ['read', 'kernel.Job'] } },
    { path: 'devices', name: 'devices', component: () => import('../pages/devices/DevicesPage.vue'), meta: { can: ['read', 'kernel.Terminal'] } },
    // Plugin routes are added here at runtime (plugin-host/host.ts).
    { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('../pages/NotFoundPage.vue') },
  ],
};

export function createAppRouter() {
  const router = createRouter({
    history: createWebHashHistory(),
    routes: [...authRoutes, appRoutes],
    scrollBehavior: () => ({ top: 0 }),
  });
  attachRouter(router);

  router.beforeEach(async (to) => {
    const session = useSessionStore();
    const signedIn = await session.restore();
    if (to.meta.public) {
      // The invitation page also serves a signed-in user accepting a second business.
      return signedIn && to.name !== 'accept-invitation' && to.name !== 'reset-password' ? { name: 'dashboard' } : true;
    }
    if (!signedIn) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} };

    const host = usePluginHost();
    if (!host.synced) {
      try {
        await host.sync();
      } catch (e) {
        console.error('[atrium] ui-manifest failed', e);
      }
      // A deep link to a plugin page matched not-found before its routes existed: match again.
      if (to.name === 'not-found') return to.fullPath;
    }
    if (to.meta.can && !ability.can(to.meta.can[0], to.meta.can[1])) return { name: 'dashboard' };
    return true;
  });
  return router;
}

import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { authApi, meApi } from '../api/endpoints.ts';
import { tokens } from '../api/token-store.ts';
import { isApiError } from '../api/errors.ts';
import type { Me, Tokens } from '../api/types.ts';
import { setBusinessTimeZone } from '../i18n/format.ts';
import { setRules } from './ability.ts';
import { cachedSessionFor, forgetCached, saveCachedRules, saveCachedSession, tokenOwner } from './offline-session.ts';

// Who is signed in, in which business, and what they may do.
export const useSessionStore = defineStore('session', () => {
  const me = ref<Me | null>(null);
  const status = ref<'unknown' | 'loading' | 'signed-in' | 'signed-out'>('unknown');
  /** Signed in from the cached profile because the kernel could not be reached (offline start). */
  const offline = ref(false);

  const user = computed(() => me.value?.user ?? null);
  const tenant = computed(() => me.value?.tenant ?? null);
  const tenants = computed(() => me.value?.tenants ?? []);
  const displayName = computed(() => user.value?.displayName || user.value?.email || '');

  async function loadProfile() {
    const [profile, abilities] = await Promise.all([meApi.get(), meApi.abilities()]);
    setRules(abilities.rules ?? []);
    me.value = profile;
    setBusinessTimeZone(profile.tenant?.timeZone);
    status.value = 'signed-in';
    offline.value = false;
    saveCachedSession(profile, abilities.rules ?? []);
  }

  /**
   * On start-up: a stored token means "probably signed in"; /api/me tells for sure. When the
   * kernel cannot be reached at all (network error), the session goes on from what was cached
   * for the token's user and tenant — the till keeps working offline; the expired token is
   * renewed by the normal refresh once requests reach the kernel again. Any answer from the
   * kernel that refuses the session (401 after a failed refresh) signs out as before.
   */
  async function restore() {
    if (status.value === 'signed-in') return true;
    const token = tokens.access;
    if (!token) {
      status.value = 'signed-out';
      return false;
    }
    status.value = 'loading';
    try {
      await loadProfile();
      return true;
    } catch (e) {
      const network = isApiError(e, 'NETWORK');
      // tokens.access, not token: a refresh may have renewed it before the network went away
      const cached = network ? cachedSessionFor(tokens.access) : null;
      if (cached) {
        setRules(cached.rules);
        me.value = cached.me;
        setBusinessTimeZone(cached.me.tenant?.timeZone);
        offline.value = true;
        status.value = 'signed-in';
        return true;
      }
      const owner = tokenOwner(token);
      if (owner && !network) forgetCached(owner.userId, owner.tenantId);
      clear();
      return false;
    }
  }

  /** Back online after an offline start: re-read the profile and abilities (a 401 signs out through the HTTP client). */
  async function revalidate() {
    if (!offline.value || status.value !== 'signed-in') return;
    try {
      await loadProfile();
    } catch {
      /* still unreachable: stay on the cached session; a refused one was cleared by onSessionLost */
    }
  }

  async function signIn(t: Tokens) {
    tokens.save(t);
    await loadProfile();
  }

  async function refreshAbilities() {
    const abilities = await meApi.abilities();
    setRules(abilities.rules ?? []);
    if (me.value) saveCachedRules(me.value.user.id, me.value.tenant.id, abilities.rules ?? []);
  }

  async function switchTenant(tenantId: string) {
    tokens.save(await authApi.switchTenant(tenantId));
    await loadProfile();
  }

  function clear() {
    // The cached profile and manifest go with the session: after a sign-out or a refused token
    // nothing of this user is used to start the shell offline.
    if (me.value) forgetCached(me.value.user.id, me.value.tenant.id);
    tokens.clear();
    me.value = null;
    setRules([]);
    status.value = 'signed-out';
    offline.value = false;
  }

  async function signOut() {
    try {
      await authApi.logout();
    } catch {
      /* signing out locally is what matters */
    }
    clear();
  }

  return { me, status, offline, user, tenant, tenants, displayName, restore, revalidate, signIn, loadProfile, refreshAbilities, switchTenant, signOut, clear };
});

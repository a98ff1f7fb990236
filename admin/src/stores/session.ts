import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { authApi, meApi } from '../api/endpoints.ts';
import { tokens } from '../api/token-store.ts';
import type { Me, Tokens } from '../api/types.ts';
import { setRules } from './ability.ts';

// Who is signed in, in which business, and what they may do.
export const useSessionStore = defineStore('session', () => {
  const me = ref<Me | null>(null);
  const status = ref<'unknown' | 'loading' | 'signed-in' | 'signed-out'>('unknown');

  const user = computed(() => me.value?.user ?? null);
  const tenant = computed(() => me.value?.tenant ?? null);
  const tenants = computed(() => me.value?.tenants ?? []);
  const displayName = computed(() => user.value?.displayName || user.value?.email || '');

  async function loadProfile() {
    const [profile, abilities] = await Promise.all([meApi.get(), meApi.abilities()]);
    setRules(abilities.rules ?? []);
    me.value = profile;
    status.value = 'signed-in';
  }

  /** On start-up: a stored token means "probably signed in"; /api/me tells for sure. */
  async function restore() {
    if (status.value === 'signed-in') return true;
    if (!tokens.access) {
      status.value = 'signed-out';
      return false;
    }
    status.value = 'loading';
    try {
      await loadProfile();
      return true;
    } catch {
      clear();
      return false;
    }
  }

  async function signIn(t: Tokens) {
    tokens.save(t);
    await loadProfile();
  }

  async function refreshAbilities() {
    const abilities = await meApi.abilities();
    setRules(abilities.rules ?? []);
  }

  async function switchTenant(tenantId: string) {
    tokens.save(await authApi.switchTenant(tenantId));
    await loadProfile();
  }

  function clear() {
    tokens.clear();
    me.value = null;
    setRules([]);
    status.value = 'signed-out';
  }

  async function signOut() {
    try {
      await authApi.logout();
    } catch {
      /* signing out locally is what matters */
    }
    clear();
  }

  return { me, status, user, tenant, tenants, displayName, restore, signIn, loadProfile, refreshAbilities, switchTenant, signOut, clear };
});

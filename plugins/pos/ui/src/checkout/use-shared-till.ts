import { computed, ref, watch, type ComputedRef, type Ref } from 'vue';
import { useI18n } from 'vue-i18n';
import type { TillSession } from '../api.ts';
import { emptyCart, parkedCart, restoreCart, type Cart, type PricingRules } from '../lib/cart.ts';
import { intentKey } from '../lib/files.ts';
import type { Till } from './use-till.ts';

/**
 * A till several people share (issue 13): who is serving — switched by their POS PIN, kept for this
 * browser tab per register, sent with each sale so the sale records them and their discount limit
 * applies — and carts parked for later (the customer went for their wallet), picked up on any till
 * of the store, once.
 */
export function useSharedTill(till: Till, cart: Ref<Cart>, rules: ComputedRef<PricingRules>, total: () => number) {
  const { t } = useI18n();
  const { api, atrium } = till;

  const operatorKey = computed(() => `atrium.pos.operator:${till.register.value?.id ?? ''}`);
  const operator = ref<TillSession | null>(null);
  watch(operatorKey, (key) => {
    try {
      const s = JSON.parse(globalThis.sessionStorage?.getItem(key) ?? 'null') as TillSession | null;
      operator.value = s && Date.parse(s.expiresAt) > Date.now() ? s : null;
    } catch {
      operator.value = null;
    }
  }, { immediate: true });
  /** The PIN dialog's purpose while it is open. */
  const pinMode = ref<'operator' | 'approval' | 'clock' | null>(null);
  function operatorChosen(s: TillSession) {
    operator.value = s;
    globalThis.sessionStorage?.setItem(operatorKey.value, JSON.stringify(s));
    pinMode.value = null;
    atrium.notifySuccess(t('pos.staff.switched', { name: s.name }));
  }

  const parkedOpen = ref(false);
  async function park() {
    if (!till.register.value || !cart.value.lines.length) return;
    try {
      const label = cart.value.customer?.name;
      await api.park({ registerId: till.register.value.id, ...(label ? { label } : {}), cart: parkedCart(cart.value), total: total() }, intentKey('park'));
      cart.value = emptyCart(rules.value);
      atrium.notifySuccess(t('pos.parked.parked'));
    } catch (e) {
      atrium.notifyError(e);
    }
  }
  function openParked() {
    if (cart.value.lines.length) atrium.notifyError(new Error(t('pos.parked.cartNotEmpty')));
    else parkedOpen.value = true;
  }
  function resumeParked(data: Record<string, unknown>) {
    cart.value = restoreCart(data, rules.value);
    parkedOpen.value = false;
  }

  return { operator, pinMode, operatorChosen, parkedOpen, park, openParked, resumeParked };
}

import { ref } from 'vue';
import { isApiError } from '../api/errors.ts';
import { notifyError } from '../plugin-host/host-api.ts';

// Submitting a form: a busy flag, and the server's field errors mapped onto the inputs
// (QInput :error / :error-message). Errors without fields become a toast.
export function useForm() {
  const busy = ref(false);
  const fieldErrors = ref<Record<string, string>>({});

  async function submit<T>(fn: () => Promise<T>, opts: { silentCodes?: string[] } = {}): Promise<T | undefined> {
    busy.value = true;
    fieldErrors.value = {};
    try {
      return await fn();
    } catch (e) {
      if (isApiError(e) && e.fields.length) fieldErrors.value = e.fieldMap();
      if (!(isApiError(e) && opts.silentCodes?.includes(e.code))) notifyError(e);
      throw e;
    } finally {
      busy.value = false;
    }
  }

  const errorOf = (field: string) => fieldErrors.value[field];
  const clearError = (field: string) => {
    if (fieldErrors.value[field]) fieldErrors.value = { ...fieldErrors.value, [field]: '' };
  };

  return { busy, fieldErrors, submit, errorOf, clearError };
}

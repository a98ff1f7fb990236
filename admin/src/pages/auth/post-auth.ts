import type { Router } from 'vue-router';

/** Where to go after signing in: back to the page that sent the user to login, if it is ours. */
export function afterSignIn(router: Router) {
  const redirect = router.currentRoute.value.query.redirect;
  const target = typeof redirect === 'string' && redirect.startsWith('/') && !redirect.startsWith('//') ? redirect : '/dashboard';
  return router.replace(target);
}

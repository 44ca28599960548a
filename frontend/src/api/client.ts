import { createApi } from "./endpoints";
import { createHttp } from "./http";
import { loginUrl } from "./loginRedirect";

const ME_URL = "/api/me";

/**
 * On a 403 ask /api/me whether we are still logged in (DRF's session
 * authentication answers 403, not 401, to an anonymous request). If not, go to
 * Django's login page and come back here afterwards; if we are, the refusal
 * was about this resource (e.g. a customer on a staff endpoint, or a CSRF
 * failure) and the page shows it instead.
 */
async function onAuthRefused(status: number, url: string): Promise<boolean> {
  // 401 means "not logged in", and a refusal of /api/me itself is the same answer.
  if (status === 401 || url === ME_URL) {
    redirectToLogin();
    return true;
  }
  const me = await fetch(ME_URL, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => response.status)
    .catch(() => 0);
  if (me === 401 || me === 403) {
    redirectToLogin();
    return true;
  }
  return false;
}

export function redirectToLogin(): void {
  window.location.assign(loginUrl(window.location.pathname + window.location.search));
}

/** The API as the browser uses it. Tests build their own with createApi(createHttp(fakes)). */
export const api = createApi(
  createHttp({
    fetch: (input, init) => window.fetch(input, init),
    cookies: () => document.cookie,
    onAuthRefused,
  }),
);

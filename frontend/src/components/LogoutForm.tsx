import { useState } from "react";
import { CSRF_COOKIE, readCookie } from "../api/cookies";

/** Django's logout is a POST form; the CSRF token comes from the cookie, read at submit time. */
export function LogoutForm() {
  const [token, setToken] = useState(() => readCookie(document.cookie, CSRF_COOKIE) ?? "");
  return (
    <form
      method="post"
      action="/accounts/logout/"
      className="logout-form"
      onSubmit={(event) => {
        const fresh = readCookie(document.cookie, CSRF_COOKIE) ?? "";
        const input = event.currentTarget.elements.namedItem("csrfmiddlewaretoken");
        if (input instanceof HTMLInputElement) input.value = fresh;
        setToken(fresh);
      }}
    >
      <input type="hidden" name="csrfmiddlewaretoken" value={token} />
      <button type="submit" className="button-link">
        Log out
      </button>
    </form>
  );
}

/** Reads one cookie from a `document.cookie`-style string ("a=1; csrftoken=xyz"). */
export function readCookie(cookieHeader: string, name: string): string | null {
  for (const part of cookieHeader.split(";")) {
    const separator = part.indexOf("=");
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) {
      return decodeURIComponent(part.slice(separator + 1).trim());
    }
  }
  return null;
}

/** Django's CSRF cookie; sent back as X-CSRFToken on unsafe requests. */
export const CSRF_COOKIE = "csrftoken";

import { ApiError, NetworkError, toErrorBody } from "./errors";
import { CSRF_COOKIE, readCookie } from "./cookies";

export interface HttpDeps {
  fetch: typeof fetch;
  /** The current `document.cookie`, read per request: Django may rotate the token. */
  cookies: () => string;
  /**
   * Called on 401/403. Returns true when the session is gone (the caller is
   * being sent to the login page), false when this was a real permission
   * refusal that the page should show.
   */
  onAuthRefused: (status: number, url: string) => Promise<boolean>;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface Http {
  request<T>(method: string, url: string, options?: RequestOptions): Promise<T>;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Session-cookie JSON over fetch, with the contract's CSRF and error rules. */
export function createHttp(deps: HttpDeps): Http {
  async function request<T>(method: string, url: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
    if (!SAFE_METHODS.has(method)) {
      headers["Content-Type"] = "application/json";
      const token = readCookie(deps.cookies(), CSRF_COOKIE);
      if (token) headers["X-CSRFToken"] = token;
    }

    let response: Response;
    try {
      response = await deps.fetch(url, {
        method,
        headers,
        credentials: "same-origin",
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw new NetworkError();
    }

    const json = await readJson(response);
    if (response.ok) return json as T;

    const failure = new ApiError(response.status, toErrorBody(response.status, json));
    if (response.status === 401 || response.status === 403) {
      const sessionGone = await deps.onAuthRefused(response.status, url);
      if (sessionGone) failure.body.message = "Your session has ended; taking you to the login page.";
    }
    throw failure;
  }

  return { request };
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => "");
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

import type { ErrorBody } from "./types";

/** The server answered, and the answer was an error ({"error": {...}} body). */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorBody;

  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }

  get code(): string {
    return this.body.code;
  }
}

/**
 * The request never got an answer (offline, server down, connection reset).
 * For a command this means "unknown outcome": it may or may not have been
 * applied, which is why a retry must reuse the same Idempotency-Key.
 */
export class NetworkError extends Error {
  constructor(message = "Could not reach the server.") {
    super(message);
    this.name = "NetworkError";
  }
}

/** Turns any error body into the contract's shape, so callers handle one type. */
export function toErrorBody(status: number, json: unknown): ErrorBody {
  if (json && typeof json === "object" && "error" in json) {
    const error = (json as { error: unknown }).error;
    if (error && typeof error === "object" && "message" in error) {
      const body = error as Partial<ErrorBody>;
      return { ...body, code: String(body.code ?? "error"), message: String(body.message) };
    }
  }
  // Not the contract's shape (a proxy's HTML page, a Django debug page...).
  return { code: `http_${status}`, message: `The server answered ${status}.` };
}

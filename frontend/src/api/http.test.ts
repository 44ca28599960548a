import { describe, expect, it, vi } from "vitest";
import { createApi, orderListUrl } from "./endpoints";
import { ApiError, NetworkError } from "./errors";
import { createHttp, type HttpDeps } from "./http";
import { readCookie } from "./cookies";

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function setup(respond: () => Response | Promise<Response>, overrides: Partial<HttpDeps> = {}) {
  const fetch = vi.fn<typeof globalThis.fetch>(async () => respond());
  const onAuthRefused = vi.fn(async () => false);
  const api = createApi(
    createHttp({ fetch, cookies: () => "sessionid=abc; csrftoken=tok%2B1", onAuthRefused, ...overrides }),
  );
  const lastRequest = () => {
    const [url, init] = fetch.mock.calls.at(-1)!;
    return { url, init: init!, headers: init!.headers as Record<string, string> };
  };
  return { api, fetch, onAuthRefused, lastRequest };
}

describe("commands over HTTP", () => {
  it("send CSRF token, JSON content type, Idempotency-Key and expectedVersion", async () => {
    const { api, lastRequest } = setup(() => jsonResponse(200, { order: {}, seq: 2, consistencyToken: "t" }));
    await api.command("o-1", { action: "ship", trackingNumber: "T-1" }, { idempotencyKey: "k-1", expectedVersion: 1 });
    const { url, init, headers } = lastRequest();
    expect(url).toBe("/api/orders/o-1/ship");
    expect(init.method).toBe("POST");
    expect(init.credentials).toBe("same-origin");
    expect(headers["X-CSRFToken"]).toBe("tok+1");
    expect(headers["Content-Type"]).toBe("application/json");
    expect(headers["Idempotency-Key"]).toBe("k-1");
    expect(JSON.parse(init.body as string)).toEqual({ trackingNumber: "T-1", expectedVersion: 1 });
  });

  it("place an order with only productId and quantity (the server prices it)", async () => {
    const { api, lastRequest } = setup(() => jsonResponse(201, { order: {}, seq: 1, consistencyToken: "t" }));
    await api.placeOrder([{ productId: "p-1", quantity: 2 }], "k-2");
    expect(JSON.parse(lastRequest().init.body as string)).toEqual({ items: [{ productId: "p-1", quantity: 2 }] });
  });

  it("GETs carry no CSRF header and no body", async () => {
    const { api, lastRequest } = setup(() => jsonResponse(200, { results: [] }));
    await api.products();
    expect(lastRequest().headers["X-CSRFToken"]).toBeUndefined();
    expect(lastRequest().init.body).toBeUndefined();
  });
});

describe("errors", () => {
  it("become ApiError with the contract's body", async () => {
    const { api } = setup(() =>
      jsonResponse(409, { error: { code: "invalid_transition", message: "No.", currentStatus: "shipped" } }),
    );
    const error = await api.command("o-1", { action: "confirm" }, { idempotencyKey: "k" }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(409);
    expect(error.code).toBe("invalid_transition");
    expect(error.body.currentStatus).toBe("shipped");
  });

  it("survive a body that is not the contract's (an HTML error page)", async () => {
    const { api } = setup(() => new Response("<h1>Bad Gateway</h1>", { status: 502 }));
    const error = await api.products().catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe("http_502");
  });

  it("become NetworkError when there is no answer", async () => {
    const { api } = setup(() => Promise.reject(new TypeError("Failed to fetch")));
    await expect(api.products()).rejects.toBeInstanceOf(NetworkError);
  });

  it("ask whether the session is gone on 401/403", async () => {
    const { api, onAuthRefused } = setup(() => jsonResponse(403, { error: { code: "not_authenticated", message: "No." } }));
    await expect(api.me()).rejects.toBeInstanceOf(ApiError);
    expect(onAuthRefused).toHaveBeenCalledWith(403, "/api/me");
  });
});

describe("URLs and cookies", () => {
  it("build the list query: search and status filter are exclusive", () => {
    expect(orderListUrl({ status: "pending", page: 2, pageSize: 20 })).toBe(
      "/api/orders/?status=pending&ordering=-createdAt&page=2&pageSize=20",
    );
    expect(orderListUrl({ status: "pending", q: " red widget ", page: 1 })).toBe(
      "/api/orders/?q=red+widget&page=1&pageSize=20",
    );
  });

  it("read one cookie among many", () => {
    expect(readCookie("a=1; csrftoken=xyz; b=2", "csrftoken")).toBe("xyz");
    expect(readCookie("a=1", "csrftoken")).toBeNull();
    expect(readCookie("", "csrftoken")).toBeNull();
  });
});

import type { Http } from "./http";
import type {
  Journey,
  CommandResponse,
  DeadLetter,
  DemoSettings,
  DemoSettingsPatch,
  LagReport,
  Me,
  OrderDetailResponse,
  OrderPage,
  OrderStatus,
  Product,
  ReplayResult,
} from "./types";
import type { OrderCommand } from "../state/orderCommands";

export interface OrderListQuery {
  status?: OrderStatus | "";
  /** Full-text search: answered by the order_search read model instead of order_summaries. */
  q?: string;
  page?: number;
  pageSize?: number;
}

export interface CommandOptions {
  /** Reuse the same key to retry a command whose outcome is unknown. */
  idempotencyKey: string;
  /** The seq the client last saw: the server refuses (409) if the order moved on. */
  expectedVersion?: number;
}

/** Builds the list URL; search and status filtering are mutually exclusive in the UI. */
export function orderListUrl(query: OrderListQuery): string {
  const params = new URLSearchParams();
  const q = query.q?.trim();
  if (q) {
    params.set("q", q);
  } else {
    if (query.status) params.set("status", query.status);
    params.set("ordering", "-createdAt");
  }
  params.set("page", String(query.page ?? 1));
  params.set("pageSize", String(query.pageSize ?? 20));
  return `/api/orders/?${params.toString()}`;
}

/** The body of a command: its own fields plus optimistic concurrency. */
export function commandBody(command: OrderCommand, expectedVersion?: number): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (command.action === "ship") body.trackingNumber = command.trackingNumber;
  if (command.action === "cancel") body.reason = command.reason;
  if (expectedVersion !== undefined) body.expectedVersion = expectedVersion;
  return body;
}

/** Every endpoint the UI calls, one small function each. */
export function createApi(http: Http) {
  return {
    me: (signal?: AbortSignal) => http.request<Me>("GET", "/api/me", { signal }),

    products: (signal?: AbortSignal) =>
      http.request<{ results: Product[] }>("GET", "/api/products/", { signal }),

    orders: (query: OrderListQuery, signal?: AbortSignal) =>
      http.request<OrderPage>("GET", orderListUrl(query), { signal }),

    order: (orderId: string, signal?: AbortSignal) =>
      http.request<OrderDetailResponse>("GET", `/api/orders/${encodeURIComponent(orderId)}/`, {
        signal,
      }),

    journey: (orderId: string, signal?: AbortSignal) =>
      http.request<Journey>("GET", `/api/orders/${encodeURIComponent(orderId)}/journey`, { signal }),

    placeOrder: (items: { productId: string; quantity: number }[], idempotencyKey: string) =>
      http.request<CommandResponse>("POST", "/api/orders/", {
        body: { items },
        headers: { "Idempotency-Key": idempotencyKey },
      }),

    command: (orderId: string, command: OrderCommand, options: CommandOptions) =>
      http.request<CommandResponse>(
        "POST",
        `/api/orders/${encodeURIComponent(orderId)}/${command.action}`,
        {
          body: commandBody(command, options.expectedVersion),
          headers: { "Idempotency-Key": options.idempotencyKey },
        },
      ),

    lag: (signal?: AbortSignal) => http.request<LagReport>("GET", "/api/ops/lag", { signal }),

    demoSettings: (signal?: AbortSignal) =>
      http.request<DemoSettings>("GET", "/api/ops/demo", { signal }),

    changeDemoSettings: (patch: DemoSettingsPatch) =>
      http.request<DemoSettings>("PUT", "/api/ops/demo", { body: patch }),

    deadLetters: (signal?: AbortSignal) =>
      http.request<{ results: DeadLetter[] }>("GET", "/api/ops/dead-letters", { signal }),

    replayDeadLetters: (ids: DeadLetter["id"][]) =>
      http.request<ReplayResult>("POST", "/api/ops/dead-letters/replay", { body: { ids } }),
  };
}

export type Api = ReturnType<typeof createApi>;

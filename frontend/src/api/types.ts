// The JSON shapes of the HTTP and WebSocket contract (shared/API.md).
// Keys are camelCase as on the wire; money stays a decimal string until the
// one place that does arithmetic with it (state/money.ts).

export type OrderStatus = "pending" | "confirmed" | "shipped" | "delivered" | "cancelled";

export type ReadModelName =
  | "order_summaries"
  | "order_details"
  | "order_search"
  | "order_analytics";

export interface OrderItem {
  productId: string;
  name: string;
  quantity: number;
  unitPrice: string;
}

export interface TimelineEntry {
  status: OrderStatus;
  at: string;
}

/** One order as the command API and the order_details read model show it. */
export interface OrderView {
  orderId: string;
  customer: string;
  status: OrderStatus;
  items: OrderItem[];
  itemCount: number;
  total: string;
  trackingNumber: string | null;
  cancelReason: string | null;
  createdAt: string;
  updatedAt: string;
  /** The order's sequence number: the version of the write model this view reflects. */
  seq: number;
  timeline: TimelineEntry[];
}

/** One row of the order list (order_summaries) or of search results (order_search). */
export interface OrderSummary {
  orderId: string;
  customer: string;
  status: OrderStatus;
  itemCount: number;
  total: string;
  createdAt: string;
  updatedAt: string;
  seq: number;
}

/** Freshness of the read model that answered a query (DESIGN.md invariant 6). */
export interface Metadata {
  readModel: ReadModelName | string;
  dataAsOf: string;
  lagMs: number;
  maxLagSeconds: number;
  stale: boolean;
  consistencyTokenReached?: boolean;
}

export interface OrderPage {
  results: OrderSummary[];
  count: number;
  next: string | null;
  previous: string | null;
  metadata: Metadata;
}

export interface OrderDetailResponse {
  order: OrderView;
  metadata: Metadata;
}

export interface CommandResponse {
  order: OrderView;
  seq: number;
  consistencyToken: string;
}

export interface Product {
  productId: string;
  name: string;
  unitPrice: string;
}

export interface Me {
  username: string;
  /** Optional: the full name when the user has one. */
  displayName?: string;
  isStaff: boolean;
}

/** The error body every API failure carries. */
export interface ErrorBody {
  code: string;
  message: string;
  fields?: Record<string, string[]>;
  currentStatus?: OrderStatus;
  currentSeq?: number;
}

// --- operations (staff) ---

export interface ReadModelLag {
  readModel: ReadModelName | string;
  lagMs: number;
  maxLagSeconds: number;
  pendingOutbox: number;
  deadLetters: number;
  stale: boolean;
  strategy: string;
  /** Optional: the server's recent samples, so the chart has a past the moment the page opens. */
  history?: { at: string; lagMs: number }[];
}

export interface LagReport {
  at: string;
  readModels: ReadModelLag[];
}

export interface DemoSettings {
  projectionDelayMs: Record<string, number>;
  failNext: Record<string, boolean>;
}

export interface DemoSettingsPatch {
  projectionDelayMs?: Record<string, number>;
  failNext?: Record<string, boolean>;
}

export interface DeadLetter {
  id: string | number;
  readModel: string;
  eventType: string;
  orderId: string;
  seq: number;
  error: string;
  attempts: number;
  firstFailedAt: string;
  lastFailedAt: string;
}

/** Counts, or lists of ids: the contract names the keys, the UI accepts either form. */
export interface ReplayResult {
  succeeded: number | unknown[];
  failed: number | unknown[];
  skipped: number | unknown[];
}

// --- push (WebSocket) ---

export interface OrderPendingMessage {
  type: "order.pending";
  orderId: string;
  seq: number;
  behind: string[];
}

export interface OrderProjectedMessage {
  type: "order.projected";
  orderId: string;
  seq: number;
  readModel: string;
}

export type PushMessage = OrderPendingMessage | OrderProjectedMessage;

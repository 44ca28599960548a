// The JSON shapes of the HTTP and WebSocket contract (shared/API.md).
// Keys are camelCase as on the wire; money stays a decimal string until the
// one place that does arithmetic with it (state/money.ts).
//
// HTTP shapes come from the OpenAPI schema the server generates (docs/openapi.yaml),
// through schema.d.ts: `npm run gen:types` (or `make schema`) regenerates it, and a test
// fails when either is out of date. Only the WebSocket messages are written by hand here.

import type { components } from "./schema";

type Schemas = components["schemas"];

export type OrderStatus = Schemas["OrderStatus"];

export type ReadModelName = Schemas["ReadModelName"];

export type OrderItem = Schemas["OrderItem"];

export type TimelineEntry = Schemas["TimelineEntry"];

/** One order as the command API and the order_details read model show it. */
export type OrderView = Schemas["OrderView"];

/** An OrderView as order_details serves it: with `behind` when it has not caught up. */
export type ProjectedOrderView = Schemas["ProjectedOrderView"];

/** Per-order freshness: the first event of the order its read model has not applied, and why. */
export type Behind = Schemas["Behind"];

/** The detail is the order folded from its events, not order_details' row (docs/screen-consistency.md). */
export type Provisional = Schemas["Provisional"];

/** The journey of an order's events: committed, relayed, applied per read model. */
export type Journey = Schemas["Journey"];
export type JourneyEvent = Schemas["JourneyEvent"];
export type JourneyLeg = Schemas["JourneyLeg"];

/** One row of the order list (order_summaries) or of search results (order_search). */
export type OrderSummary = Schemas["OrderSummary"];

/** Freshness of the read model that answered a query (DESIGN.md invariant 6). */
export type Metadata = Schemas["Metadata"];

export type OrderPage = Schemas["OrderPage"];

export type OrderDetailResponse = Schemas["OrderDetailResponse"];

export type CommandResponse = Schemas["CommandResponse"];

export type Product = Schemas["Product"];

export type Me = Schemas["Me"];

/** The error body every API failure carries. */
export type ErrorBody = Schemas["ErrorBody"];

// --- command requests ---

export type PlaceOrderRequest = Schemas["PlaceOrderInputRequest"];
export type ShipOrderRequest = Schemas["ShipOrderInputRequest"];
export type CancelOrderRequest = Schemas["CancelOrderInputRequest"];
/** confirm and deliver: only optimistic concurrency. */
export type ChangeOrderRequest = Schemas["ChangeOrderInputRequest"];

// --- operations (staff) ---

export type ReadModelLag = Schemas["ReadModelLag"];

export type LagReport = Schemas["LagReport"];

export type DemoSettings = Schemas["DemoSettings"];

export type DemoSettingsPatch = Schemas["DemoSettingsPatchRequest"];

export type DeadLetter = Schemas["DeadLetter"];

export type ReplayResult = Schemas["ReplayResult"];

// --- push (WebSocket): not HTTP, so not in the OpenAPI schema ---

// `position`: the message's place in this user's stream (docs/push-resumption.md); absent
// only when the server could not record it.
export interface OrderPendingMessage {
  type: "order.pending";
  orderId: string;
  seq: number;
  behind: string[];
  position?: number;
}

export interface OrderProjectedMessage {
  type: "order.projected";
  orderId: string;
  seq: number;
  readModel: string;
  position?: number;
}

/** A read model gave up on this event (dead letter); a replay later sends order.projected. */
export interface OrderFailedMessage {
  type: "order.failed";
  orderId: string;
  seq: number;
  readModel: string;
  position?: number;
}

/** The socket has sent everything up to `position`; `replayed` of them were missed ones. */
export interface CaughtUpMessage {
  type: "caught_up";
  position: number;
  replayed: number;
}

/** The server cannot replay what was missed: load what the page shows again. */
export interface RefetchMessage {
  type: "refetch";
  position: number;
  reason: string;
}

export type StreamMessage = CaughtUpMessage | RefetchMessage;

export type PushMessage = OrderPendingMessage | OrderProjectedMessage | OrderFailedMessage;

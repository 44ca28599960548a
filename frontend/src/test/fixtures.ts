// Builders for contract-shaped test data.

import type { CommandResponse, Metadata, OrderSummary, OrderView } from "../api/types";

export const ORDER_ID = "0b6f3d2e-8a51-4c1e-9f3a-2d7c5e9b1a40";

export function orderView(overrides: Partial<OrderView> = {}): OrderView {
  return {
    orderId: ORDER_ID,
    customer: "alice",
    status: "pending",
    items: [{ productId: "p-1", name: "Widget", quantity: 2, unitPrice: "9.95" }],
    itemCount: 2,
    total: "19.90",
    trackingNumber: null,
    cancelReason: null,
    createdAt: "2025-01-15T10:00:00+00:00",
    updatedAt: "2025-01-15T10:00:00+00:00",
    seq: 1,
    timeline: [{ status: "pending", at: "2025-01-15T10:00:00+00:00" }],
    ...overrides,
  };
}

export function summary(overrides: Partial<OrderSummary> = {}): OrderSummary {
  return {
    orderId: ORDER_ID,
    customer: "alice",
    status: "pending",
    itemCount: 2,
    total: "19.90",
    createdAt: "2025-01-15T10:00:00+00:00",
    updatedAt: "2025-01-15T10:00:00+00:00",
    seq: 1,
    ...overrides,
  };
}

export function metadata(overrides: Partial<Metadata> = {}): Metadata {
  return {
    readModel: "order_details",
    dataAsOf: "2025-01-15T10:00:05+00:00",
    lagMs: 0,
    maxLagSeconds: 5,
    stale: false,
    completeness: "complete",
    streamPosition: 0,
    ...overrides,
  };
}

export function commandResponse(order: OrderView): CommandResponse {
  return { order, seq: order.seq, consistencyToken: `${order.orderId}:${order.seq}` };
}

import type { OrderStatus } from "../api/types";

/** What the user can ask an order to do. Names match the command URLs. */
export type OrderCommand =
  | { action: "confirm" }
  | { action: "ship"; trackingNumber: string }
  | { action: "deliver" }
  | { action: "cancel"; reason: string };

export type OrderAction = OrderCommand["action"];

/**
 * The order state machine as the UI needs it: which buttons to show.
 * The server is the authority; this only avoids offering what it would refuse.
 */
const ACTIONS_BY_STATUS: Record<OrderStatus, OrderAction[]> = {
  pending: ["confirm", "cancel"],
  confirmed: ["ship", "cancel"],
  shipped: ["deliver"],
  delivered: [],
  cancelled: [],
};

/** The status a successful command leads to: what an optimistic update shows. */
const TARGET_STATUS: Record<OrderAction, OrderStatus> = {
  confirm: "confirmed",
  ship: "shipped",
  deliver: "delivered",
  cancel: "cancelled",
};

/** Ship and deliver are staff actions: the server refuses them to customers (403). */
const STAFF_ACTIONS: ReadonlySet<OrderAction> = new Set(["ship", "deliver"]);

export function allowedActions(status: OrderStatus, isStaff: boolean): OrderAction[] {
  return ACTIONS_BY_STATUS[status].filter((action) => isStaff || !STAFF_ACTIONS.has(action));
}

export function targetStatus(action: OrderAction): OrderStatus {
  return TARGET_STATUS[action];
}

export const ACTION_LABELS: Record<OrderAction, string> = {
  confirm: "Confirm",
  ship: "Ship",
  deliver: "Deliver",
  cancel: "Cancel order",
};

/** Past tense, for announcements ("Order confirmed"). */
export const ACTION_DONE: Record<OrderAction, string> = {
  confirm: "confirmed",
  ship: "shipped",
  deliver: "delivered",
  cancel: "cancelled",
};

// Why a page should fetch again, outside its own polling timer. Pages decide
// which reasons concern them (the list ignores a projection of order_details).

export type RefreshReason =
  /** The push channel (re)opened: pushes sent while it was down are lost, so re-fetch.
   * `first`: the first open of this page load, while the pages' first fetches run. */
  | { kind: "connected"; first?: boolean }
  /** A command (of any tab or person) committed: the order's read models are now behind. */
  | { kind: "pending"; orderId: string }
  /** A read model gave up on an order's event (dead letter). */
  | { kind: "failed"; orderId: string; readModel: string }
  /** A command of this tab succeeded (the list polls immediately after a command). */
  | { kind: "command"; orderId: string }
  /** A read model applied an order's events: its queries now have newer data. */
  | { kind: "projected"; orderId: string; readModel: string };

export interface RefreshBus {
  request(reason: RefreshReason): void;
  subscribe(listener: (reason: RefreshReason) => void): () => void;
}

export function createRefreshBus(): RefreshBus {
  const listeners = new Set<(reason: RefreshReason) => void>();
  return {
    request(reason) {
      for (const listener of [...listeners]) listener(reason);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

import type { PushMessage } from "../api/types";

/** Validates one WebSocket frame; anything unexpected is ignored rather than trusted. */
export function parsePushMessage(data: unknown): PushMessage | null {
  if (typeof data !== "string") return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (!value || typeof value !== "object") return null;
  const message = value as Record<string, unknown>;
  if (typeof message.orderId !== "string" || !Number.isInteger(message.seq)) return null;
  const seq = message.seq as number;

  if (message.type === "order.pending") {
    const behind = message.behind;
    if (!Array.isArray(behind) || !behind.every((name) => typeof name === "string")) return null;
    return { type: "order.pending", orderId: message.orderId, seq, behind: behind as string[] };
  }
  if (message.type === "order.projected" && typeof message.readModel === "string") {
    return { type: "order.projected", orderId: message.orderId, seq, readModel: message.readModel };
  }
  if (message.type === "order.failed" && typeof message.readModel === "string") {
    return { type: "order.failed", orderId: message.orderId, seq, readModel: message.readModel };
  }
  return null;
}

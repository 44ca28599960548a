import type { PushMessage, StreamMessage } from "../api/types";

/** Validates one WebSocket frame; anything unexpected is ignored rather than trusted. */
export function parsePushMessage(data: unknown): PushMessage | null {
  const message = jsonObject(data);
  if (message === null) return null;
  if (typeof message.orderId !== "string" || !Number.isInteger(message.seq)) return null;
  const seq = message.seq as number;
  const at = isPosition(message.position) ? { position: message.position } : {};

  if (message.type === "order.pending") {
    const behind = message.behind;
    if (!Array.isArray(behind) || !behind.every((name) => typeof name === "string")) return null;
    return { type: "order.pending", orderId: message.orderId, seq, behind: behind as string[], ...at };
  }
  if (message.type === "order.projected" && typeof message.readModel === "string") {
    return { type: "order.projected", orderId: message.orderId, seq, readModel: message.readModel, ...at };
  }
  if (message.type === "order.failed" && typeof message.readModel === "string") {
    return { type: "order.failed", orderId: message.orderId, seq, readModel: message.readModel, ...at };
  }
  return null;
}

/** The stream's own messages (`caught_up`, `refetch`); null for anything else. */
export function parseStreamMessage(data: unknown): StreamMessage | null {
  const message = jsonObject(data);
  if (message === null) return null;
  if (!isPosition(message.position)) return null;
  if (message.type === "caught_up" && isPosition(message.replayed)) {
    return { type: "caught_up", position: message.position, replayed: message.replayed };
  }
  if (message.type === "refetch") {
    return { type: "refetch", position: message.position, reason: String(message.reason ?? "") };
  }
  return null;
}

function isPosition(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0;
}

/** One WebSocket frame as a JSON object; null for anything else. */
function jsonObject(data: unknown): Record<string, unknown> | null {
  if (typeof data !== "string") return null;
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === "object" ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

import type { ReadModelName } from "../api/types";

/** The read models of DESIGN.md with their lag thresholds (seconds). */
export const READ_MODEL_THRESHOLDS: Record<ReadModelName, number> = {
  order_summaries: 5,
  order_details: 5,
  order_search: 30,
  order_analytics: 300,
};

export const READ_MODELS = Object.keys(READ_MODEL_THRESHOLDS) as ReadModelName[];

/**
 * How long an "Updating…" badge may wait for a lost `order.projected`: the
 * slowest read model's threshold plus a minute. Past it the read model is
 * officially late, which query metadata (`stale`) and the Pipeline page show.
 */
export const BADGE_GIVE_UP_MS = (Math.max(...Object.values(READ_MODEL_THRESHOLDS)) + 60) * 1000;

/** What each read model serves, for tooltips and the Pipeline page. */
export const READ_MODEL_PURPOSE: Record<ReadModelName, string> = {
  order_summaries: "the order list",
  order_details: "one order's page",
  order_search: "search",
  order_analytics: "analytics",
};

/** "order_details (one order's page) and order_search (search)": names with what they serve. */
export function readModelList(names: readonly string[]): string {
  const described = names.map((name) => {
    const purpose = READ_MODEL_PURPOSE[name as ReadModelName];
    return purpose ? `${name} (${purpose})` : name;
  });
  if (described.length < 2) return described.join("");
  return `${described.slice(0, -1).join(", ")} and ${described[described.length - 1]}`;
}

import { describe, expect, it } from "vitest";
import { orderView, summary } from "../test/fixtures";
import { overlayKnownViews, placedButNotListed, rememberView } from "./knownViews";

describe("command responses over a lagging list", () => {
  const confirmed = orderView({ status: "confirmed", seq: 2 });
  const known = rememberView({}, confirmed);

  it("shows our newer status over an older row, and says where it came from", () => {
    const [row] = overlayKnownViews([summary({ status: "pending", seq: 1 })], known, true);
    expect(row?.status).toBe("confirmed");
    expect(row?.fromCommandResponse).toBe(true);
    expect(row?.readModelStatus).toBe("pending");
  });

  it("lets the read model win once it has caught up (same or higher seq)", () => {
    const [same] = overlayKnownViews([summary({ status: "confirmed", seq: 2 })], known, true);
    expect(same?.fromCommandResponse).toBe(false);
    const [newer] = overlayKnownViews([summary({ status: "shipped", seq: 3 })], known, true);
    expect(newer?.status).toBe("shipped");
  });

  it("does nothing with patterns off", () => {
    const [row] = overlayKnownViews([summary({ status: "pending", seq: 1 })], known, false);
    expect(row?.status).toBe("pending");
  });

  it("remembers only the newest view per order", () => {
    const again = rememberView(known, orderView({ status: "pending", seq: 1 }));
    expect(again).toBe(known);
    expect(rememberView(known, orderView({ status: "shipped", seq: 3 }))[confirmed.orderId]?.status).toBe("shipped");
  });
});

describe("a just-placed order over a list that does not have it yet", () => {
  const placed = orderView({ orderId: "new-order", createdAt: "2025-01-15T11:00:00+00:00" });
  const known = rememberView({}, placed);
  const newest = { status: "", showsNewest: true, pageSize: 20 };

  it("is shown on top of the first page, marked as not listed yet", () => {
    const [row] = placedButNotListed([summary()], known, true, newest);
    expect(row?.orderId).toBe("new-order");
    expect(row?.notListedYet).toBe(true);
    expect(row?.fromCommandResponse).toBe(true);
  });

  it("leaves that state once the read model lists it", () => {
    expect(placedButNotListed([summary({ orderId: "new-order" })], known, true, newest)).toEqual([]);
  });

  it("is not shown under another status filter, another page, a search, or with patterns off", () => {
    expect(placedButNotListed([], known, true, { ...newest, status: "confirmed" })).toEqual([]);
    expect(placedButNotListed([], known, true, { ...newest, showsNewest: false })).toEqual([]);
    expect(placedButNotListed([], known, false, newest)).toEqual([]);
  });

  it("is not put on a full page whose rows are all newer (it belongs further down)", () => {
    const newer = summary({ orderId: "other", createdAt: "2025-01-15T12:00:00+00:00" });
    expect(placedButNotListed([newer], known, true, { ...newest, pageSize: 1 })).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { orderView, summary } from "../test/fixtures";
import { overlayKnownViews, rememberView } from "./knownViews";

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

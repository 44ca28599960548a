import { announce, patternsOn } from "../app/stores";
import { useStore } from "../hooks/useStore";

/** The teaching switch, in the header of every page: "UX patterns: on" (patterns 1, 2 and 4
 * at work) or "off" (the naive UI they prevent). Checked means on: no double negative. */
export function PatternsSwitch() {
  const on = useStore(patternsOn);
  return (
    <label className="patterns-switch" title="Turn the UI patterns off to see the stale, contradictory UI they prevent">
      <input
        type="checkbox"
        role="switch"
        checked={on}
        onChange={(event) => {
          const nowOn = event.currentTarget.checked;
          patternsOn.set(nowOn);
          announce(nowOn ? "UX patterns on." : "UX patterns off: the UI now behaves naively.");
        }}
      />
      <span>
        UX patterns: <strong>{on ? "on" : "off"}</strong>
      </span>
    </label>
  );
}

/** Shown on every page while the patterns are off, so nobody mistakes the naive UI for a bug. */
export function PatternsOffBanner() {
  const on = useStore(patternsOn);
  if (on) return null;
  return (
    <p className="patterns-off-banner">
      <strong>UX patterns off.</strong> No optimistic status, no use of command responses, no
      “Updating…” badges: after a command the page simply re-fetches from the read models. Watch
      the status go stale and contradict what you just did.
    </p>
  );
}

import { announce, patternsOn } from "../app/stores";
import { useStore } from "../hooks/useStore";

/** The teaching switch, in the header of every page. Checked = patterns 1, 2 and 4 disabled. */
export function PatternsSwitch() {
  const on = useStore(patternsOn);
  return (
    <label className="patterns-switch">
      <input
        type="checkbox"
        role="switch"
        checked={!on}
        onChange={(event) => {
          const off = event.currentTarget.checked;
          patternsOn.set(!off);
          announce(off ? "Patterns off: the UI now behaves naively." : "Patterns on.");
        }}
      />
      Patterns off
    </label>
  );
}

/** Shown on every page while the switch is on, so nobody mistakes the naive UI for a bug. */
export function PatternsOffBanner() {
  const on = useStore(patternsOn);
  if (on) return null;
  return (
    <p className="patterns-off-banner">
      <strong>Patterns off.</strong> No optimistic status, no use of command responses, no
      “Updating…” badges: after a command the page simply re-fetches from the read models. Watch
      the status go stale and contradict what you just did.
    </p>
  );
}

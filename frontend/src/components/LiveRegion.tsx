import { announcement } from "../app/stores";
import { useStore } from "../hooks/useStore";

/**
 * The one polite live region: screen readers read status changes without
 * moving focus. Keyed by id so that a repeated message is read again.
 */
export function LiveRegion() {
  const { text, id } = useStore(announcement);
  return (
    <div className="visually-hidden" aria-live="polite" aria-atomic="true">
      <span key={id}>{text}</span>
    </div>
  );
}

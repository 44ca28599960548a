import { useEffect } from "react";
import { location } from "../app/router";
import { useStore } from "./useStore";

/** The header's "Demo controls" link is /pipeline#demo-controls: bring that section into view. */
export function useScrollToHash() {
  const { hash } = useStore(location);
  useEffect(() => {
    if (!hash) return;
    const target = document.getElementById(hash.slice(1));
    if (!target) return;
    target.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  }, [hash]);
}

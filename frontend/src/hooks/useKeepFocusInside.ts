import { useEffect, useRef, useState } from "react";

/**
 * A command changes which buttons exist: the Confirm button a keyboard user
 * just pressed disappears when the order becomes "confirmed". When focus
 * falls out of the section that way, put it back on the section itself, so
 * the next Tab lands on the new buttons instead of the top of the page.
 */
export function useKeepFocusInside<T extends HTMLElement>() {
  // A callback ref: the section appears only once the order has loaded.
  const [element, setElement] = useState<T | null>(null);
  const focusWasInside = useRef(false);

  useEffect(() => {
    if (!element) return;
    const onFocusIn = () => {
      focusWasInside.current = true;
    };
    const onFocusOut = (event: FocusEvent) => {
      // Moving to another element: the user left on purpose. No target: the element vanished.
      if (event.relatedTarget instanceof Node && !element.contains(event.relatedTarget)) {
        focusWasInside.current = false;
      }
    };
    element.addEventListener("focusin", onFocusIn);
    element.addEventListener("focusout", onFocusOut);
    return () => {
      element.removeEventListener("focusin", onFocusIn);
      element.removeEventListener("focusout", onFocusOut);
    };
  }, [element]);

  // After every render: if the focused control was removed (some browsers send no event), recover.
  useEffect(() => {
    const active = document.activeElement;
    if (focusWasInside.current && (!active || active === document.body)) element?.focus();
  });

  return setElement;
}

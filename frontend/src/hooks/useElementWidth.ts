import { useEffect, useRef, useState } from "react";

/**
 * The rendered width of an element, kept current with ResizeObserver. The
 * lag chart draws in real pixels so its 12 px labels stay 12 px on a phone
 * instead of being scaled down with the whole picture.
 */
export function useElementWidth<T extends HTMLElement>(fallback: number) {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(fallback);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const measure = () => {
      const measured = Math.round(element.getBoundingClientRect().width);
      // 0 means "not laid out right now" (hidden, detached): keep the last good width.
      if (measured > 0) setWidth(Math.max(240, measured));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return [ref, width] as const;
}

import { useCallback, useEffect, useRef, useState } from "react";
import { refreshBus } from "../app/stores";
import type { RefreshReason } from "../state/refreshBus";

export interface PolledResource<T> {
  data: T | null;
  /** The last attempt's error; `data` keeps the last good answer meanwhile. */
  error: unknown;
  loading: boolean;
  refresh: () => void;
}

interface Options<T> {
  /** Poll period; null to fetch only on demand. */
  intervalMs: number | null;
  /** Which refresh-bus reasons should trigger a fetch now (default: a push (re)connect). */
  refreshOn?: (reason: RefreshReason) => boolean;
  /** Called with every successful answer (before it is stored). */
  onData?: (data: T) => void;
  onError?: (error: unknown) => void;
  /** Checked before the first fetch and each timed poll: true skips that one. */
  skipPoll?: () => boolean;
}

/**
 * Fetches on mount, when `key` changes, every `intervalMs`, and whenever the
 * refresh bus asks. At most one request is in flight; asks that arrive
 * meanwhile are merged into a single follow-up fetch, so a burst of pushes
 * costs two requests, not twenty.
 */
export function usePolledResource<T>(
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
  options: Options<T>,
): PolledResource<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);

  // Latest callbacks without re-subscribing on every render.
  const latest = useRef({ load, options });
  latest.current = { load, options };

  const control = useRef({ inFlight: false, again: false, abort: null as AbortController | null });
  const firstFetchAt = useRef<number | null>(null);

  const run = useCallback(async () => {
    const state = control.current;
    if (state.inFlight) {
      state.again = true;
      return;
    }
    state.inFlight = true;
    const abort = new AbortController();
    state.abort = abort;
    try {
      const result = await latest.current.load(abort.signal);
      if (abort.signal.aborted) return;
      latest.current.options.onData?.(result);
      setData(result);
      setError(null);
    } catch (caught) {
      if (abort.signal.aborted) return;
      latest.current.options.onError?.(caught);
      setError(caught);
    } finally {
      if (!abort.signal.aborted) {
        state.inFlight = false;
        setLoading(false);
        if (state.again) {
          state.again = false;
          void run();
        }
      }
    }
  }, []);

  useEffect(() => {
    // A new key is a new resource: forget the old one and start again.
    control.current = { inFlight: false, again: false, abort: null };
    firstFetchAt.current = null;
    setData(null);
    setError(null);
    setLoading(true);
    if (!latest.current.options.skipPoll?.()) {
      firstFetchAt.current = Date.now();
      void run();
    } else setLoading(false);

    // A hidden tab does not poll; it catches up the moment it is shown again.
    const { intervalMs } = latest.current.options;
    const poll = () => {
      if (document.visibilityState === "hidden") return;
      if (latest.current.options.skipPoll?.()) return;
      void run();
    };
    const timer = intervalMs === null ? null : window.setInterval(poll, intervalMs);
    document.addEventListener("visibilitychange", poll);
    const unsubscribe = refreshBus.subscribe((reason) => {
      const wanted = latest.current.options.refreshOn ?? isReconnect;
      if (wanted(reason) && !repeatsTheFirstFetch(reason, firstFetchAt.current)) void run();
    });
    return () => {
      if (timer !== null) window.clearInterval(timer);
      document.removeEventListener("visibilitychange", poll);
      unsubscribe();
      control.current.abort?.abort();
    };
  }, [key, run]);

  return { data, error, loading, refresh: run };
}

function isReconnect(reason: RefreshReason): boolean {
  return reason.kind === "connected";
}

/**
 * The first open of the push channel comes right after the page's first
 * fetch started: a second fetch then would only repeat it (the list used to
 * load twice). Later (re)connects always re-fetch.
 */
const FIRST_CONNECT_GRACE_MS = 3000;

function repeatsTheFirstFetch(reason: RefreshReason, startedAt: number | null): boolean {
  return (
    reason.kind === "connected" &&
    reason.first === true &&
    startedAt !== null &&
    Date.now() - startedAt < FIRST_CONNECT_GRACE_MS
  );
}

// The client's place in its push stream (docs/push-resumption.md). Every
// order message carries its position in this user's stream; the server sends
// them in order and without gaps, replaying from its database what Redis
// lost. The client keeps the last position it applied, so that it can
// reconnect with `?since=` and get exactly what it missed, drop a message it
// already has, and ask for a gap should it ever see one.

export type Decision =
  | { kind: "apply" }
  | { kind: "duplicate" }
  | { kind: "gap"; since: number };

/** What to do with a message at `position`, having applied up to `last`. */
export function decide(position: number | undefined, last: number | null): Decision {
  if (position === undefined || last === null) return { kind: "apply" };
  if (position <= last) return { kind: "duplicate" };
  if (position > last + 1) return { kind: "gap", since: last };
  return { kind: "apply" };
}

/** The push URL, resuming after `last` when there is one. */
export function resumeUrl(url: string, last: number | null): string {
  return last === null ? url : `${url}${url.includes("?") ? "&" : "?"}since=${last}`;
}

/** What a client sends to have a gap filled on the open socket. */
export function resumeRequest(since: number): string {
  return JSON.stringify({ type: "resume", since });
}

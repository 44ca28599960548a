import { useState } from "react";
import { paths } from "../state/routes";
import { Link } from "./Link";

const HIDDEN_KEY = "orders.whatToTryHidden";

interface Pattern {
  name: string;
  shows: string;
  action: { label: string; to: string };
  docs: string;
}

const PATTERNS: Pattern[] = [
  {
    name: "Optimistic update",
    shows: "Click Confirm on a pending order: it reads “confirmed” before the server has answered, and rolls back with the reason if refused.",
    action: { label: "Your pending orders", to: "/?status=pending" },
    docs: "ux-optimistic-update",
  },
  {
    name: "The command’s answer",
    shows: "Place an order and come back here: it is listed at once, marked “not yet in order_summaries” until the read model has it.",
    action: { label: "Place an order", to: paths.newOrder() },
    docs: "ux-command-response",
  },
  {
    name: "Polling with “Updated N s ago”",
    shows: "The line above the list counts from the moment the server’s read model was up to date. Slow a projection down and watch it grow.",
    action: { label: "Demo controls", to: paths.pipeline("#demo-controls") },
    docs: "ux-polling-data-as-of",
  },
  {
    name: "“Updating…” badges",
    shows: "After a command, “Updating…” stays until every read model has applied it; an order page’s journey shows where the time went.",
    action: { label: "Your confirmed orders", to: "/?status=confirmed" },
    docs: "ux-updating-badges",
  },
];

/** The landing page's short guide: the four patterns, an action that shows each, its docs. */
export function WhatToTry() {
  const [hidden, setHidden] = useState(() => readHidden());
  if (hidden) {
    return (
      <p className="what-to-try-shown-again">
        <button type="button" className="button-link" onClick={() => toggle(false, setHidden)}>
          Show “What to try”
        </button>
      </p>
    );
  }
  return (
    <section className="what-to-try" aria-labelledby="what-to-try-heading">
      <div className="what-to-try-head">
        <h2 id="what-to-try-heading">What to try</h2>
        <button type="button" className="button-link" onClick={() => toggle(true, setHidden)}>
          Hide
        </button>
      </div>
      <p className="hint">
        The lists and pages here are read from read models that lag behind your commands. Four
        patterns keep what you see truthful; the “UX patterns” switch at the top turns them off to
        show what they prevent.
      </p>
      <ol className="pattern-list">
        {PATTERNS.map((pattern) => (
          <li key={pattern.name}>
            <strong>{pattern.name}.</strong> {pattern.shows}{" "}
            <span className="pattern-links">
              <Link to={pattern.action.to}>{pattern.action.label}</Link> ·{" "}
              <a href={`/docs/${pattern.docs}`}>how it works</a>
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

function readHidden(): boolean {
  try {
    return window.localStorage.getItem(HIDDEN_KEY) === "1";
  } catch {
    return false;
  }
}

function toggle(hide: boolean, setHidden: (hidden: boolean) => void): void {
  setHidden(hide);
  try {
    if (hide) window.localStorage.setItem(HIDDEN_KEY, "1");
    else window.localStorage.removeItem(HIDDEN_KEY);
  } catch {
    // not remembered; hidden for this page only
  }
}

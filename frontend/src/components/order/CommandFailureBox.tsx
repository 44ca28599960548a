import type { CommandFailure } from "../../state/commandFailure";

interface Props {
  failure: CommandFailure;
  patternsOn: boolean;
  onRetry: () => void;
  onDismiss: () => void;
}

/** A refused or unanswered command: what happened, and what the user can do about it. */
export function CommandFailureBox({ failure, patternsOn, onRetry, onDismiss }: Props) {
  return (
    <div className="command-failure" role="alert">
      <p>{failure.message}</p>
      {otherFieldErrors(failure.fields).map((line) => (
        <p key={line} className="field-error">
          {line}
        </p>
      ))}
      {patternsOn && <p>The page shows the order as it was before you clicked.</p>}
      <div className="actions">
        {failure.outcomeUnknown && (
          <button type="button" onClick={onRetry}>
            Try again (same request, applied at most once)
          </button>
        )}
        <button type="button" className="button-secondary" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
    </div>
  );
}

/** Field errors that have no input of their own on this page (tracking number and reason do). */
function otherFieldErrors(fields: Record<string, string[]> | undefined): string[] {
  return Object.entries(fields ?? {})
    .filter(([field]) => field !== "trackingNumber" && field !== "reason")
    .map(([field, messages]) => `${field}: ${messages.join(" ")}`);
}

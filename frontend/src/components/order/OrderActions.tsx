import { useEffect, useRef, useState, type FormEvent } from "react";
import type { OrderStatus } from "../../api/types";
import type { CommandOutcome } from "../../state/commandFlow";
import { ACTION_LABELS, allowedActions, type OrderAction, type OrderCommand } from "../../state/orderCommands";

interface Props {
  status: OrderStatus;
  /** Ship and Deliver are staff actions (API.md): customers are not offered them. */
  isStaff: boolean;
  busy: boolean;
  /** Field errors of the last failed command (400), e.g. {"trackingNumber": [...]}. */
  fieldErrors?: Record<string, string[]> | undefined;
  onCommand: (command: OrderCommand) => Promise<CommandOutcome>;
}

/** Only the buttons the current status allows; Ship and Cancel ask for their input inline. */
export function OrderActions({ status, isStaff, busy, fieldErrors, onCommand }: Props) {
  const [openForm, setOpenForm] = useState<"ship" | "cancel" | null>(null);
  const actions = allowedActions(status, isStaff);
  // "Back" removes the form that had focus: give focus back to the button that opened it.
  const returnFocusTo = useRef<OrderAction | null>(null);
  const group = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (openForm || !returnFocusTo.current) return;
    group.current?.querySelector<HTMLButtonElement>(`[data-action="${returnFocusTo.current}"]`)?.focus();
    returnFocusTo.current = null;
  }, [openForm]);

  async function run(command: OrderCommand) {
    const outcome = await onCommand(command);
    // Keep the form only when its input was refused, to show the error next to it.
    if (outcome !== "invalid") setOpenForm(null);
  }

  if (openForm) {
    return (
      <InlineCommandForm
        action={openForm}
        busy={busy}
        errors={fieldErrors?.[openForm === "ship" ? "trackingNumber" : "reason"]}
        onSubmit={(text) =>
          run(openForm === "ship" ? { action: "ship", trackingNumber: text } : { action: "cancel", reason: text })
        }
        onBack={() => {
          returnFocusTo.current = openForm;
          setOpenForm(null);
        }}
      />
    );
  }

  if (actions.length === 0) return <p className="hint">No further actions: the order is {status}.</p>;

  return (
    <div className="actions" role="group" aria-label="Order actions" ref={group}>
      {actions.map((action: OrderAction) => (
        <button
          key={action}
          type="button"
          data-action={action}
          disabled={busy}
          className={action === "cancel" ? "button-danger" : undefined}
          onClick={() => {
            if (action === "ship" || action === "cancel") setOpenForm(action);
            else void run({ action } as OrderCommand);
          }}
        >
          {ACTION_LABELS[action]}
          {(action === "ship" || action === "cancel") && "…"}
        </button>
      ))}
    </div>
  );
}

interface FormProps {
  action: "ship" | "cancel";
  busy: boolean;
  errors: string[] | undefined;
  onSubmit: (text: string) => void;
  onBack: () => void;
}

function InlineCommandForm({ action, busy, errors, onSubmit, onBack }: FormProps) {
  const [text, setText] = useState("");
  const [missing, setMissing] = useState(false);
  const id = `${action}-input`;
  const label = action === "ship" ? "Tracking number" : "Reason for cancelling";
  const messages = missing ? [`${label} is required.`] : (errors ?? []);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!text.trim()) {
      setMissing(true);
      return;
    }
    setMissing(false);
    onSubmit(text.trim());
  }

  return (
    <form className="inline-form" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          // Opening the form is the user's own action: moving focus into it is expected.
          autoFocus
          value={text}
          maxLength={action === "ship" ? 100 : 500}
          aria-invalid={messages.length > 0 || undefined}
          aria-describedby={messages.length ? `${id}-error` : undefined}
          onChange={(event) => setText(event.target.value)}
        />
        {messages.length > 0 && (
          <p id={`${id}-error`} className="field-error">
            {messages.join(" ")}
          </p>
        )}
      </div>
      <div className="actions">
        <button type="submit" disabled={busy} className={action === "cancel" ? "button-danger" : undefined}>
          {action === "ship" ? "Ship order" : "Cancel order"}
        </button>
        <button type="button" className="button-secondary" onClick={onBack} disabled={busy}>
          Back
        </button>
      </div>
    </form>
  );
}

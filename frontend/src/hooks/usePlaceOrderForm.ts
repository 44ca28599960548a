import { useRef, useState, type FormEvent } from "react";
import { api } from "../api/client";
import { ApiError, NetworkError } from "../api/errors";
import { newIdempotencyKey } from "../api/idempotencyKey";
import type { Product } from "../api/types";
import { afterCommandSucceeded } from "../app/commandEffects";
import { navigate } from "../app/router";
import { announce } from "../app/stores";
import { errorMessage, shortId } from "../components/format";
import {
  clientErrors,
  hasErrors,
  orderLines,
  serverFieldErrors,
  type FormErrors,
  type QuantityInputs,
} from "../state/placeOrderForm";
import { paths } from "../state/routes";

const NO_ERRORS: FormErrors = { byProduct: {}, general: [] };

/** The place-order form: quantities typed, errors found (here or by the server), and a
 * submit that retries an unanswered order with the same Idempotency-Key. */
export function usePlaceOrderForm(products: Product[]) {
  const [quantities, setQuantities] = useState<QuantityInputs>({});
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [submitting, setSubmitting] = useState(false);
  // After "no answer", the same order must be retried with the same key, or it could be placed twice.
  const unansweredAttempt = useRef<{ body: string; key: string } | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = clientErrors(products, quantities);
    setErrors(found);
    if (hasErrors(found)) {
      announce("The order has errors; see the messages next to the fields.");
      return;
    }
    const lines = orderLines(products, quantities);
    const body = JSON.stringify(lines);
    const key = unansweredAttempt.current?.body === body ? unansweredAttempt.current.key : newIdempotencyKey();

    setSubmitting(true);
    try {
      const response = await api.placeOrder(lines, key);
      unansweredAttempt.current = null;
      afterCommandSucceeded(response);
      announce(`Order ${shortId(response.order.orderId)} placed.`);
      navigate(paths.order(response.order.orderId));
    } catch (error) {
      if (error instanceof ApiError && error.body.fields) {
        setErrors(serverFieldErrors(error.body.fields, lines));
      } else {
        setErrors({ byProduct: {}, general: [placeOrderFailure(error)] });
      }
      unansweredAttempt.current = error instanceof NetworkError ? { body, key } : null;
      announce(`The order was not placed: ${errorMessage(error)}`);
    } finally {
      setSubmitting(false);
    }
  }

  return { quantities, setQuantities, errors, submitting, submit };
}

function placeOrderFailure(error: unknown): string {
  if (error instanceof NetworkError) {
    return "No answer from the server: the order may or may not have been placed. Submitting again is safe (same request key).";
  }
  return `The order was not placed: ${errorMessage(error)}`;
}

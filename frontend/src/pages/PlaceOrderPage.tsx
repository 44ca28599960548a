import { useRef, useState, type FormEvent } from "react";
import { api } from "../api/client";
import { ApiError, NetworkError } from "../api/errors";
import { newIdempotencyKey } from "../api/idempotencyKey";
import type { Product } from "../api/types";
import { afterCommandSucceeded } from "../app/commandEffects";
import { navigate } from "../app/router";
import { announce } from "../app/stores";
import { errorMessage, shortId } from "../components/format";
import { usePolledResource } from "../hooks/usePolledResource";
import { formatMoney } from "../state/money";
import {
  clientErrors,
  hasErrors,
  lineTotal,
  orderLines,
  runningTotal,
  serverFieldErrors,
  type FormErrors,
  type QuantityInputs,
} from "../state/placeOrderForm";
import { paths } from "../state/routes";

const NO_ERRORS: FormErrors = { byProduct: {}, general: [] };

export function PlaceOrderPage() {
  const catalogue = usePolledResource("products", (signal) => api.products(signal), { intervalMs: null });
  const products = catalogue.data?.results ?? [];
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

  return (
    <>
      <h1 tabIndex={-1}>Place an order</h1>
      {catalogue.loading && <p>Loading the catalogue…</p>}
      {catalogue.error ? <p role="alert">Could not load the catalogue: {errorMessage(catalogue.error)}</p> : null}
      {catalogue.data && products.length === 0 && <p>The catalogue is empty.</p>}

      {products.length > 0 && (
        <form onSubmit={submit} noValidate className="place-order">
          {errors.general.length > 0 && (
            <div className="form-errors" role="alert">
              {errors.general.map((message) => (
                <p key={message}>{message}</p>
              ))}
            </div>
          )}
          <table className="catalogue-table">
            <caption className="visually-hidden">Catalogue: choose quantities</caption>
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col" className="numeric">
                  Unit price
                </th>
                <th scope="col">Quantity</th>
                <th scope="col" className="numeric">
                  Line total
                </th>
              </tr>
            </thead>
            <tbody>
              {products.map((product) => (
                <ProductRow
                  key={product.productId}
                  product={product}
                  value={quantities[product.productId] ?? ""}
                  errors={errors.byProduct[product.productId]}
                  onChange={(value) => setQuantities((current) => ({ ...current, [product.productId]: value }))}
                />
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={3}>
                  Total
                </th>
                <td className="numeric total" data-label="Total">
                  <output htmlFor={products.map((p) => quantityId(p)).join(" ")}>
                    {runningTotal(products, quantities)}
                  </output>
                </td>
              </tr>
            </tfoot>
          </table>
          <p className="hint">Prices come from the catalogue; the server prices the order again.</p>
          <button type="submit" disabled={submitting}>
            {submitting ? "Placing the order…" : "Place order"}
          </button>
        </form>
      )}
    </>
  );
}

function quantityId(product: Product): string {
  return `quantity-${product.productId}`;
}

interface RowProps {
  product: Product;
  value: string;
  errors: string[] | undefined;
  onChange: (value: string) => void;
}

function ProductRow({ product, value, errors, onChange }: RowProps) {
  const id = quantityId(product);
  return (
    <tr className={errors ? "has-error" : undefined}>
      <td data-label="Product">
        <label htmlFor={id}>{product.name}</label>
      </td>
      <td data-label="Unit price" className="numeric">
        {formatMoney(product.unitPrice)}
      </td>
      <td data-label="Quantity">
        <input
          id={id}
          className="quantity-input"
          type="text"
          inputMode="numeric"
          autoComplete="off"
          placeholder="0"
          value={value}
          aria-invalid={errors ? true : undefined}
          aria-describedby={errors ? `${id}-error` : undefined}
          onChange={(event) => onChange(event.target.value)}
        />
        {errors && (
          <p id={`${id}-error`} className="field-error">
            {errors.join(" ")}
          </p>
        )}
      </td>
      <td data-label="Line total" className="numeric">
        {lineTotal(product, value)}
      </td>
    </tr>
  );
}

function placeOrderFailure(error: unknown): string {
  if (error instanceof NetworkError) {
    return "No answer from the server: the order may or may not have been placed. Submitting again is safe (same request key).";
  }
  return `The order was not placed: ${errorMessage(error)}`;
}

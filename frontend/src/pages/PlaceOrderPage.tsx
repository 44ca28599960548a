import { api } from "../api/client";
import { errorMessage } from "../components/format";
import { ProductRow, quantityId } from "../components/order/ProductRow";
import { usePlaceOrderForm } from "../hooks/usePlaceOrderForm";
import { usePolledResource } from "../hooks/usePolledResource";
import { runningTotal } from "../state/placeOrderForm";

export function PlaceOrderPage() {
  const catalogue = usePolledResource("products", (signal) => api.products(signal), { intervalMs: null });
  const products = catalogue.data?.results ?? [];
  const { quantities, setQuantities, errors, submitting, submit } = usePlaceOrderForm(products);

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

import type { Product } from "../../api/types";
import { formatMoney } from "../../state/money";
import { lineTotal } from "../../state/placeOrderForm";

export function quantityId(product: Product): string {
  return `quantity-${product.productId}`;
}

interface RowProps {
  product: Product;
  value: string;
  errors: string[] | undefined;
  onChange: (value: string) => void;
}

export function ProductRow({ product, value, errors, onChange }: RowProps) {
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


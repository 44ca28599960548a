import type { OrderItem } from "../../api/types";
import { formatCents, formatMoney, lineTotalCents } from "../../state/money";

export function OrderItems({ items, total }: { items: OrderItem[]; total: string }) {
  return (
    <table className="items-table">
      <caption className="visually-hidden">Items</caption>
      <thead>
        <tr>
          <th scope="col">Product</th>
          <th scope="col" className="numeric">
            Quantity
          </th>
          <th scope="col" className="numeric">
            Unit price
          </th>
          <th scope="col" className="numeric">
            Line total
          </th>
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.productId}>
            <td data-label="Product">{item.name}</td>
            <td data-label="Quantity" className="numeric">
              {item.quantity}
            </td>
            <td data-label="Unit price" className="numeric">
              {formatMoney(item.unitPrice)}
            </td>
            <td data-label="Line total" className="numeric">
              {safeLineTotal(item)}
            </td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" colSpan={3}>
            Total
          </th>
          <td className="numeric total" data-label="Total">
            {formatMoney(total)}
          </td>
        </tr>
      </tfoot>
    </table>
  );
}

function safeLineTotal(item: OrderItem): string {
  try {
    return formatCents(lineTotalCents(item.unitPrice, item.quantity));
  } catch {
    return "—";
  }
}

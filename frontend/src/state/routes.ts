// The four screens Django serves app.html for, matched from location.pathname.

export type Route =
  | { page: "orders" }
  | { page: "newOrder" }
  | { page: "order"; orderId: string }
  | { page: "pipeline" }
  | { page: "notFound" };

const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const ORDER_PATH = new RegExp(`^/orders/(${UUID})/?$`);

export function matchRoute(pathname: string): Route {
  if (pathname === "/" || pathname === "/orders" || pathname === "/orders/") return { page: "orders" };
  if (pathname === "/orders/new" || pathname === "/orders/new/") return { page: "newOrder" };
  if (pathname === "/pipeline" || pathname === "/pipeline/") return { page: "pipeline" };
  const order = ORDER_PATH.exec(pathname);
  if (order?.[1]) return { page: "order", orderId: order[1].toLowerCase() };
  return { page: "notFound" };
}

export const paths = {
  orders: (search = "") => `/${search}`,
  newOrder: () => "/orders/new",
  order: (orderId: string) => `/orders/${orderId}`,
  pipeline: (hash = "") => `/pipeline${hash}`,
};

/** Should this click be left to the browser (new tab, download, other origin...)? */
export function isPlainLeftClick(event: {
  button: number;
  metaKey: boolean;
  ctrlKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  defaultPrevented: boolean;
}): boolean {
  return (
    !event.defaultPrevented &&
    event.button === 0 &&
    !event.metaKey &&
    !event.ctrlKey &&
    !event.shiftKey &&
    !event.altKey
  );
}

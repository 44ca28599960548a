import { useEffect, useRef, useState } from "react";
import { api } from "../api/client";
import { ApiError } from "../api/errors";
import type { Me } from "../api/types";
import { Header } from "../components/Header";
import { Link } from "../components/Link";
import { LiveRegion } from "../components/LiveRegion";
import { errorMessage, shortId } from "../components/format";
import { useStore } from "../hooks/useStore";
import { OrderDetailPage } from "../pages/OrderDetailPage";
import { OrdersListPage } from "../pages/OrdersListPage";
import { PipelinePage } from "../pages/PipelinePage";
import { PlaceOrderPage } from "../pages/PlaceOrderPage";
import { matchRoute, type Route } from "../state/routes";
import { startLiveUpdates } from "./liveUpdates";
import { location } from "./router";
import { currentUser } from "./stores";

export function App() {
  const me = useStore(currentUser);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const abort = new AbortController();
    api
      .me(abort.signal)
      .then((user) => currentUser.set(user))
      .catch((error: unknown) => {
        if (abort.signal.aborted) return;
        // 401/403: client.ts is already taking the browser to the login page.
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return;
        setProblem(errorMessage(error));
      });
    return () => abort.abort();
  }, []);

  // Pushes only make sense for a logged-in user (the socket authenticates with the session).
  useEffect(() => (me ? startLiveUpdates() : undefined), [me]);

  if (!me) {
    return (
      <main id="main" className="page">
        {problem ? (
          <p role="alert">
            Could not start: {problem}{" "}
            <button type="button" onClick={() => window.location.reload()}>
              Reload
            </button>
          </p>
        ) : (
          <p>Loading…</p>
        )}
      </main>
    );
  }

  return (
    <>
      <Header me={me} />
      <Page me={me} />
      <LiveRegion />
    </>
  );
}

const TITLES: Record<Route["page"], string> = {
  orders: "Orders",
  newOrder: "Place an order",
  order: "Order",
  pipeline: "Pipeline",
  notFound: "Not found",
};

/** "Order #0b6f3d2e · Orders"; the list is just "Orders" (not "Orders · Orders"). */
function pageTitle(route: Route): string {
  if (route.page === "orders") return "Orders";
  if (route.page === "order") return `Order #${shortId(route.orderId)} · Orders`;
  return `${TITLES[route.page]} · Orders`;
}

function Page({ me }: { me: Me }) {
  const { pathname } = useStore(location);
  const route = matchRoute(pathname);
  const main = useRef<HTMLElement>(null);
  const firstRender = useRef(true);

  // On in-app navigation move focus to the new page's heading, as a full page load would
  // reset it; screen readers then read where the user has landed.
  useEffect(() => {
    document.title = pageTitle(matchRoute(pathname));
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    if (window.location.hash) return; // the page scrolls to its own target
    main.current?.querySelector<HTMLElement>("h1")?.focus();
    window.scrollTo(0, 0);
  }, [pathname]);

  return (
    <main id="main" className="page" ref={main} tabIndex={-1}>
      {route.page === "orders" && <OrdersListPage />}
      {route.page === "newOrder" && <PlaceOrderPage />}
      {route.page === "order" && <OrderDetailPage key={route.orderId} orderId={route.orderId} isStaff={me.isStaff} />}
      {route.page === "pipeline" && <PipelinePage me={me} />}
      {route.page === "notFound" && (
        <>
          <h1 tabIndex={-1}>Page not found</h1>
          <p>
            <Link to="/">Go to the orders</Link>
          </p>
        </>
      )}
    </main>
  );
}

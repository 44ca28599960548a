import type { Me } from "../api/types";
import { useStore } from "../hooks/useStore";
import { location } from "../app/router";
import { paths } from "../state/routes";
import { ConnectionIndicator } from "./ConnectionIndicator";
import { Link } from "./Link";
import { LogoutForm } from "./LogoutForm";
import { PatternsOffBanner, PatternsSwitch } from "./PatternsSwitch";

export function Header({ me }: { me: Me }) {
  const { pathname } = useStore(location);
  const current = (path: string) => (pathname === path ? "page" : undefined);
  return (
    <header className="site-header">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="header-row">
        <Link to={paths.orders()} className="brand">
          Orders
        </Link>
        <nav aria-label="Main">
          <ul className="nav-list">
            <li>
              <Link to={paths.orders()} aria-current={current("/")}>
                Orders
              </Link>
            </li>
            <li>
              <Link to={paths.newOrder()} aria-current={current("/orders/new")}>
                Place order
              </Link>
            </li>
            {me.isStaff && (
              <li>
                <Link to={paths.pipeline()} aria-current={current("/pipeline")}>
                  Pipeline
                </Link>
              </li>
            )}
            <li>
              <Link to={paths.pipeline("#demo-controls")}>Demo controls</Link>
            </li>
          </ul>
        </nav>
        <div className="header-tools">
          <PatternsSwitch />
          <ConnectionIndicator />
          <span className="user">
            {me.displayName || me.username}
            {me.isStaff && " (staff)"}
          </span>
          <LogoutForm />
        </div>
      </div>
      <PatternsOffBanner />
    </header>
  );
}

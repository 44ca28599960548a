// A tiny History API router: the location is a store, links push to it.

import { matchRoute, type Route } from "../state/routes";
import { createStore } from "../state/store";

export interface Location {
  pathname: string;
  search: string;
  hash: string;
}

function currentLocation(): Location {
  const { pathname, search, hash } = window.location;
  return { pathname, search, hash };
}

export const location = createStore<Location>(currentLocation());

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  location.set(currentLocation());
}

export function startRouter(): () => void {
  const onPopState = () => location.set(currentLocation());
  window.addEventListener("popstate", onPopState);
  return () => window.removeEventListener("popstate", onPopState);
}

export function currentRoute(): Route {
  return matchRoute(location.get().pathname);
}

import type { AnchorHTMLAttributes, MouseEvent } from "react";
import { navigate } from "../app/router";
import { isPlainLeftClick } from "../state/routes";

type Props = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** A real <a href> (works with middle-click, copy link, no JS) that navigates in-app on a plain click. */
export function Link({ to, onClick, ...rest }: Props) {
  function handleClick(event: MouseEvent<HTMLAnchorElement>) {
    onClick?.(event);
    if (!isPlainLeftClick(event) || rest.target) return;
    event.preventDefault();
    navigate(to);
  }
  return <a href={to} onClick={handleClick} {...rest} />;
}

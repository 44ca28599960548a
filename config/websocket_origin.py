"""Only this site's own pages may open a push socket: the handshake's Origin must be the
site's full origin (scheme, host and port), as Django's CSRF check wants it for a POST.

Allowed: an origin in CSRF_TRUSTED_ORIGINS, or the origin of the request itself (the scheme
`ws` → `http`, `wss` → `https`, and the Host header, when that host is in ALLOWED_HOSTS).
Channels' AllowedHostsOriginValidator compared the host name only, so a page served by any
other port or scheme of an allowed host (another app on localhost, plain http next to https)
could open sockets with the user's cookie. A missing Origin is refused: browsers always send
one, and this socket is for browsers.
"""

from __future__ import annotations

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": "80", "https": "443"}


def normalised(origin: str) -> str:
    """`scheme://host[:port]` in lower case, without the scheme's default port."""
    scheme, _, rest = origin.strip().lower().partition("://")
    host, port = split_domain_port(rest)
    if not scheme or not host:
        return ""
    if port and port != DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{rest}"
    return f"{scheme}://{host}"


def request_origin(scope) -> str:
    """The origin this handshake was made to, if its Host is one of ALLOWED_HOSTS."""
    host = _header(scope, b"host")
    domain, _ = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return ""
    scheme = "https" if scope.get("scheme", "ws") == "wss" else "http"
    return normalised(f"{scheme}://{host}")


def origin_allowed(scope) -> bool:
    origin = normalised(_header(scope, b"origin"))
    if not origin:
        return False
    trusted = {normalised(o) for o in settings.CSRF_TRUSTED_ORIGINS}
    return origin in trusted or origin == request_origin(scope)


class SameSiteOriginValidator:
    """ASGI middleware for WebSocket scopes: refuses the handshake (403) from other origins."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            denier = WebsocketDenier()
            return await denier(scope, receive, send)
        return await self.application(scope, receive, send)


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""

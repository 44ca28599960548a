"""Content-Security-Policy on every response (Django 5.2 has no built-in CSP).

The policy (settings.CONTENT_SECURITY_POLICY) allows only this site's own scripts, styles,
images, fonts and connections: no inline script or style anywhere, which the React app and
the Django admin both honour. Two additions are made per request:

- connect-src gets this host's WebSocket origin (`ws://host` or `wss://host`) for the push
  socket (unless CSP_WEBSOCKET_SOURCE is false). CSP Level 3 browsers already match it with
  'self', older ones do not; tests/hardening/browser/test_csp_browser.py shows Chromium
  opening the socket under connect-src 'self' alone.
- a path under one of settings.CONTENT_SECURITY_POLICY_EXCEPTIONS gets the sources listed
  there added to its directives, and nothing else (none is needed so far: the API docs are
  self-hosted and start from a script file, see config/api_docs.py).

A response that already has a Content-Security-Policy header (set by its view) keeps it. In
DEBUG, Django's technical error pages (inline styles and scripts) are left without a policy
so that they stay readable; production never serves those pages.
"""

from __future__ import annotations

from functools import lru_cache

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.utils.decorators import sync_and_async_middleware

HEADER = "Content-Security-Policy"


@sync_and_async_middleware
def content_security_policy(get_response):
    if iscoroutinefunction(get_response):

        async def middleware(request):
            response = await get_response(request)
            add_policy(request, response)
            return response

    else:

        def middleware(request):
            response = get_response(request)
            add_policy(request, response)
            return response

    return middleware


def add_policy(request, response) -> None:
    if HEADER in response or not settings.CONTENT_SECURITY_POLICY:
        return
    if settings.DEBUG and response.status_code >= 400 and _is_html(response):
        return  # Django's debug pages: development only, and unreadable under the policy
    websocket_origin = _websocket_origin(request) if settings.CSP_WEBSOCKET_SOURCE else None
    response[HEADER] = policy_for(request.path, websocket_origin)


def policy_for(path: str, websocket_origin: str | None) -> str:
    exceptions = tuple(
        prefix for prefix in settings.CONTENT_SECURITY_POLICY_EXCEPTIONS if path.startswith(prefix)
    )
    return _render(exceptions, websocket_origin)


@lru_cache(maxsize=64)
def _render(exception_prefixes: tuple[str, ...], websocket_origin: str | None) -> str:
    directives = {name: list(sources) for name, sources in settings.CONTENT_SECURITY_POLICY.items()}
    for prefix in exception_prefixes:
        for name, sources in settings.CONTENT_SECURITY_POLICY_EXCEPTIONS[prefix].items():
            base = directives.setdefault(name, list(directives.get("default-src", [])))
            base.extend(source for source in sources if source not in base)
    if websocket_origin and "connect-src" in directives:
        directives["connect-src"].append(websocket_origin)
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def _websocket_origin(request) -> str | None:
    try:
        host = request.get_host()
    except DisallowedHost:  # the answer is already a 400 for that
        return None
    return f"{'wss' if request.is_secure() else 'ws'}://{host}"


def _is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def _forget_rendered_policies(*, setting, **_) -> None:
    """Tests may change the settings that the cached policies come from."""
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _render.cache_clear()


setting_changed.connect(_forget_rendered_policies, dispatch_uid="csp-settings-changed")

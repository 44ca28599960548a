"""How the OpenAPI schema is made from the code, and the two views that serve it.

drf-spectacular walks the URL conf and describes every DRF view it finds there. Two kinds of
URL callbacks in config/urls.py are not DRF views themselves, and are looked through:

* Query views are wrapped in an async read-your-writes wait
  (readmodels/queries/read_your_writes.py).
  That wrapper is made with `functools.wraps`, so it carries the wrapped view's `cls` and
  `initkwargs` and drf-spectacular sees the DRF view inside: nothing to do here.
* GET and POST /api/orders/ are one dispatcher that sends each method to a different view,
  a query and a command (config/method_router.py). It keeps them in `views_by_method`; the
  endpoint enumerator below lists each method with its own view.

So the schema is generated from the real URL conf, and a route added there is described (or
flagged by `--fail-on-warn`) without a second list of endpoints to keep in step.

Also here: the security schemes (a session cookie, plus the CSRF header on unsafe methods),
and the two plain Django endpoints (/healthz, /metrics), which are described by hand. The
views serving the schema and its docs are config/api_docs.py (drf-spectacular's views read
the generator class named in the settings when imported, so they cannot live here).
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular import generators
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.permissions import SAFE_METHODS


class EndpointEnumerator(generators.EndpointEnumerator):
    """Lists a method dispatcher's methods, each with the DRF view that answers it."""

    def should_include_endpoint(self, path, callback):
        include = super().should_include_endpoint
        views = getattr(callback, "views_by_method", None)
        if views is not None:
            return any(include(path, view) for view in views.values())
        return include(path, callback)

    def get_allowed_methods(self, callback):
        allowed = super().get_allowed_methods
        views = getattr(callback, "views_by_method", None)
        if views is not None:
            return [method for method, view in views.items() if method in allowed(view)]
        return allowed(callback)

    def _get_api_endpoints(self, patterns, prefix):
        return [
            (path, path_regex, method, _view_for(method, callback))
            for path, path_regex, method, callback in super()._get_api_endpoints(patterns, prefix)
        ]


def _view_for(method: str, callback):
    views = getattr(callback, "views_by_method", None)
    return callback if views is None else views[method]


class SchemaGenerator(generators.SchemaGenerator):
    endpoint_inspector_cls = EndpointEnumerator


def drop_trailing_slash_aliases(endpoints):
    """Commands answer with and without a trailing slash (config/urls.py); API.md writes them
    without, and the schema lists each operation once, as API.md does."""
    routes = {(path, method, callback) for path, _, method, callback in endpoints}
    return [
        (path, path_regex, method, callback)
        for path, path_regex, method, callback in endpoints
        if not (path.endswith("/") and (path[:-1], method, callback) in routes)
    ]


def empty_query_values_mean_absent(result, generator, request, public):
    """Postprocessing hook: `?page=` is the same as no `page` (readmodels/queries/params.py
    validates the query dict as DRF does a form: an empty optional value is not given), so
    API.md's template `?status=&page=&pageSize=` is a valid request. `allowEmptyValue` says so.
    """
    for methods in result["paths"].values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and not parameter.get("required"):
                    parameter["allowEmptyValue"] = True
    return result


class SessionWithCsrfScheme(OpenApiAuthenticationExtension):
    """Django's session cookie; unsafe methods also need the CSRF header (API.md)."""

    target_class = "rest_framework.authentication.SessionAuthentication"
    name = ["cookieAuth", "csrfToken"]
    priority = 1  # over drf-spectacular's own, which knows the cookie only

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME},
            {
                "type": "apiKey",
                "in": "header",
                "name": csrf_header_name(),
                "description": f"The value of the `{settings.CSRF_COOKIE_NAME}` cookie.",
            },
        ]

    def get_security_requirement(self, auto_schema):
        if auto_schema.method.upper() in SAFE_METHODS:
            return {"cookieAuth": []}
        return {"cookieAuth": [], "csrfToken": []}


def csrf_header_name() -> str:
    """The CSRF header as clients send it: X-CSRFToken for Django's HTTP_X_CSRFTOKEN."""
    name = settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-")
    return "X-CSRFToken" if name == "X-CSRFTOKEN" else name


# ---- endpoints that are not DRF views -----------------------------------------------------

HEALTH = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": ["ok", "unhealthy"]},
        "checks": {
            "type": "object",
            "description": '"ok", or what is wrong (never an error message).',
            "properties": {part: {"type": "string"} for part in ("postgres", "redis", "worker")},
            "required": ["postgres", "redis", "worker"],
        },
    },
    "required": ["status", "checks"],
}


def _health(description: str) -> dict:
    schema = {"$ref": "#/components/schemas/Health"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


PLAIN_DJANGO_PATHS = {
    "/healthz": {
        "get": {
            "operationId": "getHealthz",
            "summary": "Can this deployment serve? For load balancers; open to all",
            "tags": ["operations"],
            "security": [],
            "responses": {
                "200": _health("PostgreSQL, Redis and every projector queue's worker are up."),
                "503": _health("A part is down: `checks` names it."),
            },
        }
    },
    "/metrics": {
        "get": {
            "operationId": "getMetrics",
            "summary": "Prometheus metrics of every process (docs/metrics.md); open to all",
            "tags": ["operations"],
            "security": [],
            "responses": {
                "200": {
                    "description": "The Prometheus text exposition format.",
                    "content": {"text/plain": {"schema": {"type": "string"}}},
                }
            },
        }
    },
}


def add_plain_django_endpoints(result, generator, request, public):
    """Postprocessing hook: describe /healthz and /metrics (plain Django views)."""
    result["paths"].update(PLAIN_DJANGO_PATHS)
    schemas = {**result["components"]["schemas"], "Health": HEALTH}
    result["components"]["schemas"] = dict(sorted(schemas.items()))
    return result

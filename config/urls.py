from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from config.api_docs import docs_view, schema_view
from config.app_shell import app_shell
from config.docs_pages import docs_page
from config.error_views import api_not_found
from config.health import healthz
from config.login_throttle import ThrottledAdminLoginForm, ThrottledLoginView
from config.method_router import route_by_method
from config.metrics import metrics_view
from orders import api as commands
from orders.account_api import MeApi
from readmodels.metrics import measured_query
from readmodels.ops import api as ops_api
from readmodels.ops import health as ops_health
from readmodels.queries import api as queries
from readmodels.queries import journey_api
from readmodels.queries.read_your_writes import waits_for_token


def command(action: str, view):
    """A command URL, accepted with or without a trailing slash (API.md writes it without)."""
    route = f"api/orders/<uuid:order_id>/{action}"
    return [path(route, view), path(f"{route}/", view)]


def query(view, read_model_for):
    """A query view: a bounded read-your-writes wait, then the (counted and timed) query."""
    return waits_for_token(measured_query(view, read_model_for), read_model_for)


urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),  # before the include
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/me", MeApi.as_view()),
    path("api/products/", commands.ProductListApi.as_view()),
    path(
        "api/orders/",
        route_by_method(
            GET=query(queries.OrderListApi.as_view(), queries.list_read_model),
            POST=commands.PlaceOrderApi.as_view(),
        ),
    ),
    path(
        "api/orders/<uuid:order_id>/",
        query(queries.OrderDetailApi.as_view(), lambda _: "order_details"),
    ),
    path("api/orders/<uuid:order_id>/journey", journey_api.OrderJourneyApi.as_view()),
    path(
        "api/analytics/",
        query(queries.AnalyticsApi.as_view(), lambda _: "order_analytics"),
    ),
    *command("confirm", commands.ConfirmOrderApi.as_view()),
    *command("ship", commands.ShipOrderApi.as_view()),
    *command("deliver", commands.DeliverOrderApi.as_view()),
    *command("cancel", commands.CancelOrderApi.as_view()),
    path("api/ops/lag", ops_api.LagApi.as_view()),
    path("api/ops/demo", ops_api.DemoControlsApi.as_view()),
    path("api/ops/dead-letters", ops_api.DeadLetterListApi.as_view()),
    path("api/ops/dead-letters/replay", ops_api.DeadLetterReplayApi.as_view()),
    path("api/ops/health", ops_health.OpsHealthApi.as_view()),
    path("metrics", metrics_view),
    path("healthz", healthz),
    path("docs/<str:name>", docs_page),
    # Browsers ask for /favicon.ico wherever a page names no icon (the admin, error pages).
    path("favicon.ico", RedirectView.as_view(url=static("app/favicon.svg"), permanent=True)),
    path("api/schema/", schema_view, name="api-schema"),
    path("api/docs/", docs_view, name="api-docs"),
    # Pages of the browser UI (client-side routes of one app shell)
    path("", app_shell, name="home"),
    path("orders/new", app_shell),
    path("orders/<uuid:order_id>", app_shell),
    path("pipeline", app_shell),
    re_path(r"^api/", api_not_found),  # last: any other /api/ URL gets the API's JSON 404
]

admin.site.login_form = ThrottledAdminLoginForm  # the same failed-login throttle

handler400 = "config.error_views.bad_request"
handler404 = "config.error_views.not_found"
handler500 = "config.error_views.server_error"

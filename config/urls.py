from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from config.method_router import route_by_method
from orders import api as commands
from orders.account_api import MeApi
from readmodels import api as queries
from readmodels import ops_api
from readmodels.read_your_writes import waits_for_token


def command(action: str, view):
    """A command URL, accepted with or without a trailing slash (API.md writes it without)."""
    route = f"api/orders/<uuid:order_id>/{action}"
    return [path(route, view), path(f"{route}/", view)]


urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/me", MeApi.as_view()),
    path("api/products/", commands.ProductListApi.as_view()),
    path(
        "api/orders/",
        route_by_method(
            GET=waits_for_token(queries.OrderListApi.as_view(), queries.list_read_model),
            POST=commands.PlaceOrderApi.as_view(),
        ),
    ),
    path(
        "api/orders/<uuid:order_id>/",
        waits_for_token(queries.OrderDetailApi.as_view(), lambda _: "order_details"),
    ),
    path(
        "api/analytics/",
        waits_for_token(queries.AnalyticsApi.as_view(), lambda _: "order_analytics"),
    ),
    *command("confirm", commands.ConfirmOrderApi.as_view()),
    *command("ship", commands.ShipOrderApi.as_view()),
    *command("deliver", commands.DeliverOrderApi.as_view()),
    *command("cancel", commands.CancelOrderApi.as_view()),
    path("api/ops/lag", ops_api.LagApi.as_view()),
    path("api/ops/demo", ops_api.DemoControlsApi.as_view()),
    path("api/ops/dead-letters", ops_api.DeadLetterListApi.as_view()),
    path("api/ops/dead-letters/replay", ops_api.DeadLetterReplayApi.as_view()),
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
]

handler404 = "config.error_views.not_found"
handler500 = "config.error_views.server_error"

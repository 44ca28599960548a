from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from config.method_router import route_by_method
from orders import api as commands


def command(action: str, view):
    """A command URL, accepted with or without a trailing slash (API.md writes it without)."""
    route = f"api/orders/<uuid:order_id>/{action}"
    return [path(route, view), path(f"{route}/", view)]


urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/products/", commands.ProductListApi.as_view()),
    path("api/orders/", route_by_method(POST=commands.PlaceOrderApi.as_view())),
    *command("confirm", commands.ConfirmOrderApi.as_view()),
    *command("ship", commands.ShipOrderApi.as_view()),
    *command("deliver", commands.DeliverOrderApi.as_view()),
    *command("cancel", commands.CancelOrderApi.as_view()),
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
]

handler404 = "config.error_views.not_found"
handler500 = "config.error_views.server_error"

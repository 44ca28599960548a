"""The application's URLs plus the baseline endpoints of the command-cost workload."""

from django.urls import include, path

from bench.baseline import BaselineConfirmOrderApi, BaselinePlaceOrderApi

urlpatterns = [
    path("bench/baseline/orders/", BaselinePlaceOrderApi.as_view()),
    path("bench/baseline/orders/<uuid:order_id>/confirm", BaselineConfirmOrderApi.as_view()),
    path("", include("config.urls")),
]

handler404 = "config.error_views.not_found"
handler500 = "config.error_views.server_error"

"""The site's URLs plus views that fail unexpectedly, for tests/hardening/test_error_pages.py."""

from django.urls import path
from rest_framework.views import APIView

from config.urls import handler400, handler404, handler500, urlpatterns  # noqa: F401

SECRET_DETAIL = "password=hunter2 at db-internal.example:5432"


def failing_view(request):
    raise RuntimeError(SECRET_DETAIL)


class FailingApi(APIView):
    def get(self, request):
        raise RuntimeError(SECRET_DETAIL)


urlpatterns = [
    path("api/test-only/failing-view", failing_view),
    path("api/test-only/failing-api", FailingApi.as_view()),
    path("test-only/failing-page", failing_view),
    *urlpatterns,
]

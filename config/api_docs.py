"""GET /api/schema/ (the OpenAPI schema: YAML, or JSON by Accept or `?format=json`) and
GET /api/docs/ (Swagger UI). Both are open to anyone, like the committed docs/openapi.yaml.
The schema is made as config/openapi.py says."""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

schema_view = SpectacularAPIView.as_view()


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI with no inline script or style: its start-up script comes from this URL
    with `?script` and its CSS from /static/, so a strict Content-Security-Policy holds."""

    template_name = "api_docs/swagger_ui.html"
    title = "Orders API"


docs_view = DocsView.as_view(url_name="api-schema")

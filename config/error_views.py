"""API clients get JSON errors, never an HTML page; browsers get Django's usual pages.
No answer ever carries an exception's text or a traceback (DEBUG is false in production)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt


def bad_request(request, exception=None):
    """Django's 400, for requests it refuses before any view (SuspiciousOperation)."""
    if request.path.startswith("/api/"):
        if isinstance(exception, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return JsonResponse(
                {
                    "error": {
                        "code": "too_large",
                        "message": f"The request body is larger than {limit} bytes.",
                        "maxBytes": limit,
                    }
                },
                status=413,
            )
        return JsonResponse(
            {
                "error": {
                    "code": "invalid",
                    "message": "The request could not be read.",
                    "fields": {"body": ["The request could not be read."]},
                }
            },
            status=400,
        )
    return defaults.bad_request(request, exception)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "not_found", "message": "Not found."}}, status=404)
    return defaults.page_not_found(request, exception)


@csrf_exempt  # a refused CSRF check would answer with Django's HTML page
def api_not_found(request, *args, **kwargs):
    """Any /api/ URL no route takes (the last route of config/urls.py): the JSON 404 with
    DEBUG on too, where Django answers with its HTML debug page instead of `not_found`, and
    for POST, where APPEND_SLASH would fail with a 500 under DEBUG."""
    return not_found(request)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "server_error", "message": "Something went wrong on our side."}},
            status=500,
        )
    return defaults.server_error(request)

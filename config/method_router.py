"""Serve one URL from two sides: GET goes to the read side, POST to the write side.

API.md puts the order list (a query) and "place order" (a command) at the same path, while
the code keeps commands and queries in separate apps; this tiny dispatcher joins them.
"""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt


def route_by_method(**views_by_method):
    allowed = ", ".join(sorted(views_by_method))

    @csrf_exempt  # each target view is a DRF view that enforces CSRF itself
    def dispatch(request, *args, **kwargs):
        view = views_by_method.get(request.method)
        if view is None:
            response = JsonResponse(
                {"error": {"code": "method_not_allowed", "message": f"Allowed: {allowed}."}},
                status=405,
            )
            response["Allow"] = allowed
            return response
        return view(request, *args, **kwargs)

    return dispatch

"""Serve one URL from two sides: GET goes to the read side, POST to the write side.

API.md puts the order list (a query) and "place order" (a command) at the same path, while
the code keeps commands and queries in separate apps; this tiny dispatcher joins them. It is
async because the query side may wait (read-your-writes); sync views run in Django's usual
thread for sync code.
"""

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.http import JsonResponse


def route_by_method(**views_by_method):
    allowed = ", ".join(sorted(views_by_method))

    async def dispatch(request, *args, **kwargs):
        view = views_by_method.get(request.method)
        if view is None:
            response = JsonResponse(
                {"error": {"code": "method_not_allowed", "message": f"Allowed: {allowed}."}},
                status=405,
            )
            response["Allow"] = allowed
            return response
        if iscoroutinefunction(view):
            return await view(request, *args, **kwargs)
        return await sync_to_async(view)(request, *args, **kwargs)

    dispatch.csrf_exempt = True  # each target view is a DRF view that enforces CSRF itself
    dispatch.views_by_method = views_by_method  # for the OpenAPI schema (config/openapi.py)
    return dispatch

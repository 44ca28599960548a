"""The one error shape of the whole API: {"error": {"code", "message", ...}} (API.md), for any
view of either side to answer with; orders/api_errors.py maps domain refusals onto it."""

from rest_framework import exceptions
from rest_framework.response import Response


class ApiError(exceptions.APIException):
    """An error with a code and extra body fields, raised by API helpers."""

    def __init__(self, *, status_code: int, code: str, message: str, **extra):
        self.status_code = status_code
        self.code = code
        self.extra = extra
        super().__init__(detail=message, code=code)


def error_response(status_code: int, code: str, message: str, **extra) -> Response:
    return Response({"error": {"code": code, "message": message, **extra}}, status=status_code)

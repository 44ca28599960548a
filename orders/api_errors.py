"""One error shape for the whole API: {"error": {"code", "message", ...}} (see API.md).

DRF calls `handle_api_exception` for anything a view raises; domain errors are mapped here so
that views stay thin and no business refusal ever surfaces as a 500.
"""

from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

from config.api_errors import ApiError, error_response

from .domain.errors import (
    InvalidOrder,
    InvalidStateTransition,
    OrderNotFound,
    StaffOnly,
    VersionConflict,
)


def handle_api_exception(exc, context=None) -> Response | None:
    match exc:
        case ApiError():
            return error_response(exc.status_code, exc.code, str(exc.detail), **exc.extra)
        case InvalidOrder():
            return error_response(400, "invalid", str(exc), fields=exc.fields)
        case OrderNotFound() | Http404():
            return error_response(404, "not_found", "No such order.")
        case StaffOnly():
            return error_response(403, "forbidden", f"Only staff can {exc.action} an order.")
        case InvalidStateTransition():
            return error_response(
                409,
                "invalid_transition",
                f"The order is {exc.from_status}; it cannot become {exc.to_status}.",
                currentStatus=str(exc.from_status),
            )
        case VersionConflict():
            return error_response(
                409,
                "version_conflict",
                f"The order changed: you saw version {exc.expected}, it is now {exc.current}.",
                currentSeq=exc.current,
            )
        case exceptions.ValidationError():
            fields = flatten_field_errors(exc.detail)
            return error_response(400, "invalid", "The request has invalid fields.", fields=fields)
        case exceptions.APIException():
            code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
            extra = {}
            if exc.status_code == 400:
                code = "invalid"  # API.md has one code for bad input, malformed JSON included
                extra["fields"] = {"body": [str(exc.detail)]}  # and `invalid` always has fields
            response = error_response(exc.status_code, code, str(exc.detail), **extra)
            if getattr(exc, "wait", None):
                response["Retry-After"] = str(int(exc.wait))
            return response
    return None


def flatten_field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into {"items[0].quantity": ["..."]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for name, value in detail.items():
            if isinstance(name, int):
                child = f"{prefix}[{name}]"
            elif name == "non_field_errors":
                child = prefix
            else:
                child = f"{prefix}.{name}" if prefix else str(name)
            flat.update(flatten_field_errors(value, child))
        return flat
    if isinstance(detail, list) and detail and all(isinstance(d, str) for d in detail):
        return {prefix or "body": [str(d) for d in detail]}
    if isinstance(detail, list):
        flat = {}
        for index, value in enumerate(detail):
            if value:
                flat.update(flatten_field_errors(value, f"{prefix}[{index}]"))
        return flat
    return {prefix or "body": [str(detail)]}

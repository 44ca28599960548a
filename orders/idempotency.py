"""Idempotency-Key handling for commands (API.md).

The first request with a key claims it in a transaction of its own, so that concurrent
retries see it at once; the command then runs, and its response is stored in the command's
own transaction, so a committed command always has its stored answer. Later requests with
the same key and body replay that answer; a different body is refused with 422; a retry
while the first is still running gets 409. Keys are per user and expire.

A COMMIT that fails (say, the connection breaks) may still have happened, so its key is
kept: a retry replays the stored answer if it did, and gets 409 until the claim counts as
abandoned (IDEMPOTENCY_ABANDONED_AFTER_SECONDS) if it did not.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.response import Response

from .api_errors import ApiError, handle_api_exception
from .domain.errors import DomainError
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def run_idempotently(request, execute: Callable[[], Response]) -> Response:
    """Run `execute` (which performs one command) at most once per (user, key)."""
    key = request.headers.get(HEADER)
    if key is None:
        return execute()
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isprintable():
        raise ApiError(
            status_code=400,
            code="invalid",
            message="The Idempotency-Key header must be 1 to 255 printable characters.",
            fields={HEADER: ["1 to 255 printable characters."]},
        )
    claimed = _claim(request.user, key, _fingerprint(request))
    if claimed.state == IdempotencyKey.State.COMPLETED:
        response = Response(claimed.response_body, status=claimed.response_status)
        response["Idempotent-Replayed"] = "true"
        return response
    committing = False
    try:
        with transaction.atomic():
            response = execute()
            _store(claimed, response)
            committing = True  # from here on only COMMIT itself can fail
        return response
    except (DomainError, ApiError) as refusal:
        # A refusal is an answer too: a retry with the same key gets the same one.
        response = handle_api_exception(refusal)
        _store(claimed, response)
        return response
    except BaseException:
        if not committing:  # rolled back, nothing written: let the client retry
            IdempotencyKey.objects.filter(pk=claimed.pk).delete()
        # A failed COMMIT may have happened (the acknowledgement lost with the connection), so
        # the key stays: COMPLETED with its stored answer if it did, IN_PROGRESS if it did not,
        # and a retry gets request_in_progress until the claim is abandoned. Never run twice.
        raise


def _claim(user, key: str, fingerprint: str) -> IdempotencyKey:
    now = timezone.now()
    abandoned_before = now - timedelta(seconds=settings.IDEMPOTENCY_ABANDONED_AFTER_SECONDS)
    mine = IdempotencyKey.objects.filter(user=user, key=key)
    mine.filter(  # an expired key, or a claim whose owner gave up: one statement forgets both
        Q(expires_at__lte=now)
        | Q(state=IdempotencyKey.State.IN_PROGRESS, created_at__lt=abandoned_before)
    ).delete()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user=user,
                key=key,
                fingerprint=fingerprint,
                state=IdempotencyKey.State.IN_PROGRESS,
                expires_at=now + timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS),
            )
    except IntegrityError:
        existing = mine.first()
    if existing is None:  # it was deleted between our insert and our read: its owner failed
        raise ApiError(
            status_code=409,
            code="request_in_progress",
            message="A request with this Idempotency-Key just failed; retry it.",
        )
    if existing.fingerprint != fingerprint:
        raise ApiError(
            status_code=422,
            code="idempotency_key_reused",
            message="This Idempotency-Key was used with a different request.",
        )
    if existing.state == IdempotencyKey.State.IN_PROGRESS:
        raise ApiError(
            status_code=409,
            code="request_in_progress",
            message="A request with this Idempotency-Key is still running, or its outcome is "
            "not known yet; retry shortly.",
        )
    return existing


def _store(claimed: IdempotencyKey, response: Response) -> None:
    IdempotencyKey.objects.filter(pk=claimed.pk).update(
        state=IdempotencyKey.State.COMPLETED,
        response_status=response.status_code,
        response_body=response.data,
    )


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()

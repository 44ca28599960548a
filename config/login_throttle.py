"""Password guessing is throttled: too many failed logins for one username, or from one client
address, and further attempts are refused without the password being checked.

Limits (settings): LOGIN_FAILURES_PER_USERNAME (5) and LOGIN_FAILURES_PER_IP (20) failures
within LOGIN_FAILURE_WINDOW_SECONDS (900). A window starts at the first failure and the
count resets when it ends; a refused attempt does not extend it. A successful login clears
its username's count, but not its address's: otherwise an attacker with an account of their
own could log into it between guesses at other accounts and never reach the address limit.

Counts live in Django's cache (Redis), shared by every web process. The client address is
REMOTE_ADDR, which uvicorn takes from X-Forwarded-For only for proxies it trusts
(--forwarded-allow-ips), so a client cannot pick its own.

Both login forms use it: /accounts/login/ (ThrottledLoginView, which also answers 429 with
Retry-After) and the admin's (ThrottledAdminLoginForm).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.core.exceptions import ValidationError

THROTTLED = "throttled"


@dataclass(frozen=True)
class Counter:
    """Failures of one username or one address: `<key>` counts, `<key>:until` ends the window."""

    key: str
    limit: int

    def retry_after(self, now: float) -> float | None:
        count = cache.get(self.key, 0)
        if count < self.limit:
            return None
        until = cache.get(f"{self.key}:until")
        return max(1.0, until - now) if until else None

    def record(self, now: float) -> None:
        window = settings.LOGIN_FAILURE_WINDOW_SECONDS
        if cache.add(self.key, 0, timeout=window):  # a new window
            cache.set(f"{self.key}:until", now + window, timeout=window)
        try:
            cache.incr(self.key)
        except ValueError:  # expired between add and incr: start again
            cache.set(self.key, 1, timeout=window)
            cache.set(f"{self.key}:until", now + window, timeout=window)

    def clear(self) -> None:
        cache.delete_many([self.key, f"{self.key}:until"])


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def username_counter(username: str) -> Counter:
    return Counter(
        f"login-failures:user:{_digest(username.strip().casefold())}",
        settings.LOGIN_FAILURES_PER_USERNAME,
    )


def address_counter(address: str) -> Counter:
    return Counter(f"login-failures:ip:{_digest(address)}", settings.LOGIN_FAILURES_PER_IP)


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR") or "unknown"


def retry_after(username: str, address: str) -> int | None:
    """Seconds until a login for `username` from `address` may be tried again; None: now."""
    now = time.time()
    counters = (username_counter(username), address_counter(address))
    waits = [wait for wait in (c.retry_after(now) for c in counters) if wait is not None]
    return math.ceil(max(waits)) if waits else None


def record_failure(username: str, address: str) -> None:
    now = time.time()
    username_counter(username).record(now)
    address_counter(address).record(now)


def forget_failures(*, username: str | None = None, address: str | None = None) -> None:
    if username is not None:
        username_counter(username).clear()
    if address is not None:
        address_counter(address).clear()


class ThrottledLoginMixin:
    """For an AuthenticationForm: refuse before authenticating when throttled; count failures;
    clear the username's count on success."""

    retry_after: int | None = None

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()  # nothing to check against a password: not a guess
        address = client_address(self.request)
        self.retry_after = retry_after(username, address)
        if self.retry_after is not None:
            minutes = math.ceil(self.retry_after / 60)
            raise ValidationError(
                "Too many failed login attempts. For your security, logging in is paused: "
                f"try again in {minutes} minute{'s' if minutes != 1 else ''}.",
                code=THROTTLED,
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            if self.get_user() is None:  # a wrong password, not a refused (e.g. non-staff) user
                record_failure(username, address)
            raise
        forget_failures(username=username)
        return cleaned

    @property
    def throttled(self) -> bool:
        return any(error.code == THROTTLED for error in self.non_field_errors().as_data())


class ThrottledLoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class ThrottledLoginView(LoginView):
    """Django's login page with the throttle; a refused attempt is answered 429 + Retry-After."""

    authentication_form = ThrottledLoginForm

    def get_context_data(self, **kwargs):
        from config.demo_accounts import demo_accounts  # reads the user table: not at import

        return {**super().get_context_data(**kwargs), "demo_accounts": demo_accounts()}

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response

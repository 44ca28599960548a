"""Push sockets end with the session that opened them.

When a user logs out, is deactivated or deleted, or gains or loses staff, every push socket
of theirs is told `session.ended` through their own group in the channel layer, and closes
with 4401 (readmodels/push/consumer.py): a former staff member's socket must not go on hearing
about every order. Logout ends only the sockets of the session logged out of. The consumer
also re-checks its session every WS_SESSION_CHECK_SECONDS (`session_still_valid`), for what
sends no signal: an expired or deleted session, a changed password, a bulk update.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user, get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete, post_init, post_save
from django.dispatch import receiver
from django.utils.module_loading import import_string

from readmodels.push.sender import sender

SESSION_ENDED = "session.ended"
ROLE_FIELDS = ("is_active", "is_staff")


def user_group(user_id) -> str:
    """Every push socket of one user, whatever it listens to (customer or staff group)."""
    return f"orders.user.{user_id}"


def end_sessions(user_id, *, session_key: str | None = None) -> None:
    """Close the user's push sockets: those of `session_key` only, or all of them."""
    sender.send([user_group(user_id)], {"type": SESSION_ENDED, "sessionKey": session_key})


def session_still_valid(session_key: str | None, *, user_id, is_staff: bool) -> bool:
    """Does this session still log in this user, active and with the same role? The same
    check Django makes for every HTTP request (expiry, password change, inactive user)."""
    if not session_key:
        return False
    session = import_string(f"{settings.SESSION_ENGINE}.SessionStore")(session_key=session_key)
    user = get_user(SimpleNamespace(session=session))
    return user.is_authenticated and user.pk == user_id and user.is_staff == is_staff


@receiver(user_logged_out, dispatch_uid="push-session-ended-on-logout")
def end_on_logout(*, request, user, **_):
    if user is not None:
        end_sessions(user.pk, session_key=getattr(request.session, "session_key", None))


@receiver(post_init, sender=get_user_model(), dispatch_uid="push-remember-role")
def remember_role(*, instance, **_):
    instance._push_role = _role(instance)


@receiver(post_save, sender=get_user_model(), dispatch_uid="push-session-ended-on-role")
def end_on_role_change(*, instance, created, **_):
    if not created and getattr(instance, "_push_role", None) != _role(instance):
        end_sessions(instance.pk)
    instance._push_role = _role(instance)


@receiver(post_delete, sender=get_user_model(), dispatch_uid="push-session-ended-on-delete")
def end_on_delete(*, instance, **_):
    end_sessions(instance.pk)


def _role(user) -> tuple:
    """Read from the instance's own values: a deferred field is not loaded (no query) here."""
    return tuple(user.__dict__.get(name) for name in ROLE_FIELDS)

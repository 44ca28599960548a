"""The demo accounts the login page lists, so that a newcomer can log in at once.

Listed only while DEBUG is on (a development or demo install) and only those of
`load_demo_data`'s users that exist: a production site never shows passwords.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model

from orders.management.commands.load_demo_data import CUSTOMERS, STAFF


def demo_accounts() -> list[dict]:
    if not settings.DEBUG:
        return []
    accounts = [*CUSTOMERS, STAFF]
    existing = set(
        get_user_model()
        .objects.filter(username__in=[account.username for account in accounts])
        .values_list("username", flat=True)
    )
    return [
        {
            "username": account.username,
            "password": account.password,
            "role": "staff: every order, the Pipeline page and /admin/"
            if account.is_staff
            else f"customer ({account.first_name} {account.last_name})",
        }
        for account in accounts
        if account.username in existing
    ]

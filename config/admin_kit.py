"""What every staff admin page of this project shares, write side and read side alike: staff
may look but never edit, a whole UUID is searched exactly, and links between the pages."""

import json
from uuid import UUID

from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html


def is_staff(request) -> bool:
    return request.user.is_active and request.user.is_staff


class StaffReadOnly:
    """Staff may look; nobody may add, change or delete (POSTs to a change form get 403)."""

    def has_module_permission(self, request):
        return is_staff(request)

    def has_view_permission(self, request, obj=None):
        return is_staff(request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ExactIdSearch:
    """A search term that is a whole UUID matches `id_search_fields` exactly (with an index,
    fast on a large event log); anything else falls back to `search_fields` (substrings)."""

    id_search_fields: list[str] = []

    def get_search_results(self, request, queryset, search_term):
        try:
            wanted = UUID(search_term.strip())
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        match = Q()
        for field in self.id_search_fields:
            match |= Q(**{field: wanted})
        return queryset.filter(match), False


def admin_link(obj, text=None):
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, text if text is not None else obj)


def order_link(order_id):
    """A link to the order's page (every event's order exists: they commit together)."""
    url = reverse("admin:orders_order_change", args=[order_id])
    return format_html('<a href="{}">{}</a>', url, order_id)


def changelist_link(model, text, **filters):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    return format_html('<a href="{}?{}">{}</a>', url, query, text)


def pretty_json(value):
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, sort_keys=True, default=str))

"""Who may use the admin's pages: one rule for every app's admin classes.

A package of its own, knowing nothing of the apps, so `k8stools` and `oauthgw` need not import `mcpsite`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def is_staff(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_staff)


class StaffReadOnly:
    """Staff read everything; nobody adds, changes or deletes rows by hand (actions do the work)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_staff(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

"""Where the admin's policy overrides live, and the one workflow that changes them.

The overrides are one `PolicySettings` row. A version token tells every worker's `PolicySource` when to read it
again: with a shared cache (Redis), a token there that any save or delete of the row (the admin, a shell, a test)
replaces once its transaction commits; with a process-local cache (the laptop default), the database's own
token for the policy (`k8stools.shared_versions`), which a trigger replaces in the writer's transaction, whoever
writes. Either way the next call in every process sees the edit.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from k8stools.policy import FIELD_NAMES, FieldState, Policy, PolicyOverrides, field_states
from k8stools.shared_versions import POLICY, database_version

VERSION_KEY = "kubemcp:policy-version"


def policy_version() -> str | None:
    """The shared policy version; a fresh one is stored when the cache has none (first use, cache flushed).

    A process-local cache (the local-memory default) is no place for it (a `manage.py` command or another
    server writing the database would go unseen): the version is then the database's own. None when no version
    can be read (the cache or the database cannot be reached): callers then read the policy on every call
    rather than trust a copy.
    """
    if _process_local(str(settings.CACHES["default"]["BACKEND"])):
        return database_version(POLICY)
    try:
        token = cache.get(VERSION_KEY)
        if token is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            token = cache.get(VERSION_KEY)
    except Exception:  # a cache outage must cost speed, never a stale policy
        return None
    return str(token) if token is not None else None


def _process_local(backend: str) -> bool:
    return backend.endswith(("LocMemCache", "DummyCache"))


def bump_policy_version() -> None:
    """Tell every worker to read the policy again (called once the change is committed)."""
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception:
        # Workers compare tokens; with the cache gone they read the database on every call anyway.
        return


def load_overrides() -> PolicyOverrides:
    """The overrides staff saved, or none (every field inherits) on a fresh install."""
    from k8stools.models import PolicySettings

    row = PolicySettings.objects.filter(pk=PolicySettings.SINGLETON_ID).first()
    return row.as_overrides() if row is not None else PolicyOverrides()


def policy_in_force(defaults: Policy, *, read_only: bool = False) -> list[FieldState]:
    """Each field of the policy in force now: its default, its override and where its value comes from."""
    return field_states(defaults, load_overrides(), read_only=read_only)


def policy_update(*, changes: dict[str, Any], username: str, user_id: Any = None) -> PolicyOverrides:
    """Set the overrides named in `changes` (None inherits) and audit who changed what, before and after.

    Values must already be valid (the admin form and the model validators check them). The row is locked
    while it changes, so two staff members saving at once both land in the audit trail in order.
    """
    from k8stools.models import AuditRecord, PolicySettings

    unknown = set(changes) - set(FIELD_NAMES)
    if unknown:
        raise ValueError(f"not a policy field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        row = PolicySettings.objects.select_for_update().filter(pk=PolicySettings.SINGLETON_ID).first()
        if row is None:
            row = PolicySettings(pk=PolicySettings.SINGLETON_ID)
        before = row.as_overrides()
        for name, value in changes.items():
            setattr(row, name, sorted(value) if isinstance(value, set | frozenset | list | tuple) else value)
        row.updated_by_id = user_id
        row.full_clean()
        row.save()
        after = row.as_overrides()
        changed = [name for name in FIELD_NAMES if getattr(before, name) != getattr(after, name)]
        AuditRecord.objects.create(
            user=username,
            tool="admin:policy",
            operation="policy",
            outcome=AuditRecord.Outcome.OK,
            duration_ms=0.0,
            arguments={"changed": changed, "before": before.as_json(), "after": after.as_json()},
            message=f"policy changed in the admin: {', '.join(changed) or 'nothing'}",
        )
    return after

"""Where the admin's policy overrides live, and the one workflow that changes them.

The overrides are one `PolicySettings` row. A version token tells every worker's `PolicySource` when to read it
again: the database's own token for the policy (`k8stools.shared_versions`), which a trigger replaces in the
writer's own transaction, whoever writes (the admin of any worker, a `manage.py` command, a bulk update no signal
sees, raw SQL). The next call in every process sees the edit. (A token in the shared cache, bumped by a signal
after the commit, used to serve team deployments: it missed bulk updates and raw SQL, and a worker that died
between the commit and the bump left the old token in place.)
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from k8stools.policy import FIELD_NAMES, FieldState, Policy, PolicyOverrides, field_states
from k8stools.shared_versions import POLICY, database_version


def policy_version() -> str | None:
    """The policy's version: None when it cannot be read (the database cannot be reached), and callers then read
    the policy on every call rather than trust a copy."""
    return database_version(POLICY)


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

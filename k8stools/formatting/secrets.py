"""Secret masking: no Secret value ever reaches a model, whatever the output form."""

from __future__ import annotations

import copy
from typing import Any

REDACTED = "***REDACTED***"

# The last-applied annotation is the whole manifest as the user applied it, data included, in clear.
SECRET_ANNOTATIONS = (
    "kubernetes.io/service-account.uid",
    "kubernetes.io/service-account.name",
    "kubernetes.io/service-account-token",
    "kubectl.kubernetes.io/last-applied-configuration",
)


def is_secret_kind(kind: object) -> bool:
    """Tell whether ``kind`` names a Secret, in any letter case."""
    return isinstance(kind, str) and kind.lower() == "secret"


def list_item_kind(list_kind: object) -> str | None:
    """The kind of the items of a ``<Kind>List``, since the API server leaves ``kind`` off list items."""
    if isinstance(list_kind, str) and len(list_kind) > 4 and list_kind.lower().endswith("list"):
        return list_kind[:-4]
    return None


def mask_secrets(obj: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``obj`` with every Secret value redacted.

    Secrets are recognised by ``kind`` (case-insensitive), also as items of a ``List`` or a
    ``SecretList`` whose items carry no kind, at any depth of nested ``items``. An item with no
    kind of its own in a list that does not say its items' kind (a plain ``List``) may be a
    Secret, so its ``data`` and ``stringData`` are redacted too. Every value of ``data`` and
    ``stringData`` becomes ``***REDACTED***`` (keys are kept, so a model still sees which keys
    exist), and so do the annotations that leak a token or the applied manifest. The input is
    never modified: Secrets are copied before masking, other objects are returned as they are
    (shared, not copied).
    """
    return _masked(obj, inherited_kind=None, kind_known=True)


def _masked(obj: dict[str, Any], inherited_kind: str | None, *, kind_known: bool) -> dict[str, Any]:
    own_kind = obj.get("kind")
    kind = own_kind or inherited_kind
    masked = _masked_secret(obj) if is_secret_kind(kind) or (not own_kind and not kind_known) else obj
    items = obj.get("items")
    if isinstance(items, list):
        masked = dict(masked)
        item_kind = list_item_kind(own_kind)
        masked["items"] = [
            _masked(item, item_kind, kind_known=item_kind is not None) if isinstance(item, dict) else item
            for item in items
        ]
    return masked


def _masked_secret(secret: dict[str, Any]) -> dict[str, Any]:
    masked = copy.deepcopy(secret)
    for field in ("data", "stringData"):
        values = masked.get(field)
        if isinstance(values, dict):
            masked[field] = {key: REDACTED for key in values}
        elif values is not None:
            # Not a map as the API defines it (a list, a string): no key to keep, so it goes whole.
            masked[field] = REDACTED
    annotations = (masked.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict):
        for name in SECRET_ANNOTATIONS:
            if name in annotations:
                annotations[name] = REDACTED
    return masked

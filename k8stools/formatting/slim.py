"""The output forms of ``get``/``list``/``describe``: slim, normal, wide and full."""

from __future__ import annotations

import copy
from typing import Any, Literal

from .fieldpaths import EVERY_ITEM, FieldPath, remove_path
from .secrets import list_item_kind
from .shaping import shape

OutputForm = Literal["slim", "normal", "wide", "full"]
OUTPUT_FORMS: tuple[OutputForm, ...] = ("slim", "normal", "wide", "full")

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

# The upstream server's DefaultExcludedFields: bookkeeping that costs tokens and answers no question.
NOISY_FIELDS: tuple[FieldPath, ...] = (
    ("metadata", "managedFields"),
    ("metadata", "annotations", LAST_APPLIED),
    ("metadata", "annotations", "deployment.kubernetes.io/revision"),
    ("metadata", "annotations", "meta.helm.sh/release-name"),
    ("metadata", "annotations", "meta.helm.sh/release-namespace"),
    ("status", "conditions", EVERY_ITEM, "lastTransitionTime"),
    ("status", "conditions", EVERY_ITEM, "lastProbeTime"),
    ("status", "conditions", EVERY_ITEM, "lastHeartbeatTime"),
    ("status", "conditions", EVERY_ITEM, "lastUpdateTime"),
    ("metadata", "ownerReferences"),
    ("metadata", "finalizers"),
    ("metadata", "generation"),
    ("metadata", "resourceVersion"),
    ("metadata", "uid"),
    ("metadata", "selfLink"),
    ("spec", "template", "metadata", "creationTimestamp"),
    ("status", "images"),
    ("spec", "template", "spec", "dnsPolicy"),
    ("spec", "template", "spec", "schedulerName"),
    ("spec", "template", "spec", "serviceAccount"),
    ("spec", "template", "spec", "containers", EVERY_ITEM, "terminationMessagePath"),
    ("spec", "template", "spec", "containers", EVERY_ITEM, "terminationMessagePolicy"),
)


def prune(obj: dict[str, Any], output: OutputForm) -> dict[str, Any]:
    """Return ``obj`` cut down for the given output form, never modifying the input.

    ``slim`` drops the noisy fields and applies kind shaping (apps workloads, Pods, Flux
    HelmReleases, events); ``normal`` drops the noisy fields only; ``wide`` and ``full`` return
    the object untouched. A ``List`` is pruned item by item. Secret masking is separate
    (``mask_secrets``) and applies to every form.
    """
    if output not in OUTPUT_FORMS:
        raise ValueError(f"unknown output form {output!r}; use one of {', '.join(OUTPUT_FORMS)}")
    if output in ("wide", "full"):
        return obj
    pruned = copy.deepcopy(obj)
    _prune_in_place(pruned, output, inherited_kind="", inherited_api_version="")
    return pruned


def _prune_in_place(obj: Any, output: OutputForm, inherited_kind: str, inherited_api_version: str) -> None:
    if not isinstance(obj, dict):
        return
    items = obj.get("items")
    if isinstance(items, list):
        item_kind = list_item_kind(obj.get("kind")) or ""
        api_version = str(obj.get("apiVersion") or "")
        for item in items:
            _prune_in_place(item, output, item_kind, api_version)
        return
    for path in NOISY_FIELDS:
        remove_path(obj, path)
    if output == "slim":
        kind = str(obj.get("kind") or inherited_kind)
        api_version = str(obj.get("apiVersion") or inherited_api_version)
        shape(obj, kind, api_version)

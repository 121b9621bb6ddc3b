"""Diff before change: the live object against the API server's dry-run result, as a unified diff.

Both sides are cut down to what a person reviews (no managedFields, resourceVersion, generation,
uid or timestamps) and masked; a Secret value that changes shows as a changed redaction, never
in clear. A new object diffs against nothing, so every line shows as added.
"""

from __future__ import annotations

import copy
import difflib
from typing import Any

from k8stools.formatting import REDACTED, mask_secrets, prune, to_yaml
from k8stools.formatting.fieldpaths import remove_path
from k8stools.formatting.secrets import is_secret_kind

# Fields the server sets on every write (or a dry run invents): noise in a review.
SERVER_FIELDS = (
    ("metadata", "creationTimestamp"),
    ("metadata", "managedFields"),
    ("metadata", "resourceVersion"),
    ("metadata", "generation"),
    ("metadata", "uid"),
    ("metadata", "selfLink"),
)
CHANGED_SECRET = f"{REDACTED} (changed)"


def review_form(obj: dict[str, Any]) -> dict[str, Any]:
    """`obj` as it is shown in a diff: pruned of bookkeeping, secrets masked."""
    reviewed = prune(obj, "normal")
    for path in SERVER_FIELDS:
        remove_path(reviewed, path)
    return mask_secrets(reviewed)


def render_diff(before: dict[str, Any] | None, after: dict[str, Any], *, name: str, change: str) -> str:
    """A unified diff of `before` (None: the object does not exist yet) against `after`.

    `name` labels the object (`deployment.apps/web`), `change` the action previewed (`apply`).
    """
    before_form, after_form = _masked_pair(before, after)
    before_lines = to_yaml(before_form).splitlines(keepends=True) if before_form is not None else []
    after_lines = to_yaml(after_form).splitlines(keepends=True)
    if before_lines == after_lines:
        return f"{name}: no changes (the object already matches)\n"
    lines = difflib.unified_diff(
        before_lines,
        after_lines,
        fromfile="/dev/null" if before is None else f"{name} (live)",
        tofile=f"{name} (after {change})",
        n=3,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _masked_pair(before: dict[str, Any] | None, after: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Both sides in review form; a Secret's changed values are marked as changed, still redacted."""
    after_form = review_form(after)
    if before is None:
        return None, after_form
    before_form = review_form(before)
    if is_secret_kind(after.get("kind")):
        after_form = copy.deepcopy(after_form)
        for field in ("data", "stringData"):
            old_values, new_values, masked = before.get(field), after.get(field), after_form.get(field)
            if not isinstance(old_values, dict) or not isinstance(new_values, dict) or not isinstance(masked, dict):
                continue
            for key in masked:
                if key in old_values and old_values[key] != new_values.get(key):
                    masked[key] = CHANGED_SECRET
    return before_form, after_form

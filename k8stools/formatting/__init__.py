"""Kubernetes objects as text a model reads cheaply and correctly.

Pure functions over the JSON dicts the API server returns: no Kubernetes access, no Django.
The tool layer masks secrets, prunes to the requested output form, and renders tables,
summaries, YAML documents or a describe view.
"""

from __future__ import annotations

from .age import humanize_age
from .describe import render_describe
from .documents import to_json, to_yaml
from .events import filter_events, sort_events_newest_first
from .podstatus import PodState, pod_state
from .secrets import REDACTED, mask_secrets
from .slim import OUTPUT_FORMS, OutputForm, prune
from .summary import summarize
from .tables import render_table

__all__ = [
    "OUTPUT_FORMS",
    "REDACTED",
    "OutputForm",
    "PodState",
    "filter_events",
    "humanize_age",
    "mask_secrets",
    "pod_state",
    "prune",
    "render_describe",
    "render_table",
    "sort_events_newest_first",
    "summarize",
    "to_json",
    "to_yaml",
]

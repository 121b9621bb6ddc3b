"""Hypothesis profiles of the guardrail properties: `GUARDRAILS_PROFILE=ci` (the default) or `thorough`.

Both are derandomized with no example database, so CI sees the same examples on every run. `ci` is
sized to keep the whole guardrail suite under about three minutes on two busy cores; `thorough` is for
a developer hunting with many more examples per tool.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    "guardrails-ci",
    max_examples=int(os.environ.get("GUARDRAILS_EXAMPLES", "16")),
    deadline=None,
    derandomize=True,
    database=None,
    report_multiple_bugs=False,
    print_blob=False,
    # Shrinking a failure of a hand-built hostile value gains little and costs hundreds of calls.
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
)
settings.register_profile(
    "guardrails-thorough",
    parent=settings.get_profile("guardrails-ci"),
    max_examples=int(os.environ.get("GUARDRAILS_EXAMPLES", "200")),
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
)


def guardrail_settings() -> settings:
    """The profile named by GUARDRAILS_PROFILE (ci or thorough)."""
    return settings.get_profile(f"guardrails-{os.environ.get('GUARDRAILS_PROFILE', 'ci')}")

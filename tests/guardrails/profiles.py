"""Hypothesis profiles of the guardrail properties: `GUARDRAILS_PROFILE=ci` (the default) or `thorough`.

Both are derandomized with no example database, so CI sees the same examples on every run. Every tool
first gets the report's own attacks as explicit examples (1 to 9 per tool, see `explicit_examples`), so CI
finds each of them whatever the random part draws; `ci` then adds 16 random examples per tool and mode.
Measured with every property passing (December 2026, two cores at load 6 to 9): about 2,500 calls, and
`manage.py test tests.guardrails` in 2 min 16 s. `thorough` is for a developer hunting with many more.
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

"""The extras through the real MCP client, against the fake cluster: one writable server, one that is not."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import ClassVar

from tests.live import LiveServerTestCase
from tests.tools_extras.explain_cases import ExplainCases
from tests.tools_extras.generator_cases import (  # noqa: F401 - BuilderTests runs from here
    BuilderTests,
    NonDestructiveGeneratorCases,
    WritableGeneratorCases,
)
from tests.tools_extras.helm_cases import (  # noqa: F401 - the function tests run from here
    DryRunHelmCases,
    HelmFunctionTests,
    HelmReadCases,
    HelmWithoutBinaryCases,
    NonDestructiveHelmCases,
)
from tests.tools_extras.kubeconfig_cases import KubeconfigFunctionTests, KubeconfigViewCases  # noqa: F401 - the function tests run from here
from tests.tools_extras.node_cases import NonDestructiveNodeCases, WritableNodeCases
from tests.tools_extras.resource_prompt_cases import ResourcePromptCases


class WritableServerTests(WritableNodeCases, WritableGeneratorCases, HelmWithoutBinaryCases, LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {"pods": 8, "namespaces": 1}
    # PATH: the virtualenv only, so no helm binary is found whatever the machine has installed.
    server_env: ClassVar[dict[str, str]] = {"NON_DESTRUCTIVE": "false", "PATH": str(Path(sys.executable).parent)}


class NonDestructiveServerTests(
    NonDestructiveNodeCases,
    NonDestructiveGeneratorCases,
    KubeconfigViewCases,
    ResourcePromptCases,
    HelmReadCases,
    NonDestructiveHelmCases,
    DryRunHelmCases,
    ExplainCases,
    LiveServerTestCase,
):
    seed: ClassVar[dict[str, int]] = {"pods": 8, "namespaces": 1}
    server_env: ClassVar[dict[str, str]] = {"NON_DESTRUCTIVE": "true"}
    extra_contexts = ("other", ("alice", "alice-secret-token"))  # type: ignore[assignment]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.add_releases()

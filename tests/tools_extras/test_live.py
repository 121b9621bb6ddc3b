"""The extras through the real MCP client, against the fake cluster: one writable server, one that is not."""

from __future__ import annotations

from typing import ClassVar

from tests.live import LiveServerTestCase
from tests.tools_extras.generator_cases import (  # noqa: F401 - BuilderTests runs from here
    BuilderTests,
    NonDestructiveGeneratorCases,
    WritableGeneratorCases,
)
from tests.tools_extras.kubeconfig_cases import KubeconfigFunctionTests, KubeconfigViewCases  # noqa: F401 - the function tests run from here
from tests.tools_extras.node_cases import NonDestructiveNodeCases, WritableNodeCases
from tests.tools_extras.resource_prompt_cases import ResourcePromptCases


class WritableServerTests(WritableNodeCases, WritableGeneratorCases, LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {"pods": 8, "namespaces": 1}
    server_env: ClassVar[dict[str, str]] = {"NON_DESTRUCTIVE": "false"}


class NonDestructiveServerTests(
    NonDestructiveNodeCases, NonDestructiveGeneratorCases, KubeconfigViewCases, ResourcePromptCases, LiveServerTestCase
):
    seed: ClassVar[dict[str, int]] = {"pods": 8, "namespaces": 1}
    server_env: ClassVar[dict[str, str]] = {"NON_DESTRUCTIVE": "true"}
    extra_contexts = ("other", ("alice", "alice-secret-token"))  # type: ignore[assignment]

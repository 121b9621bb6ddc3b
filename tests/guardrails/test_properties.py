"""The guardrails hold under hostile values in every string argument of every tool, resource URI, prompt and
completion, in each policy mode, as the fake API server saw it (issue #17, item 4).

The tools and their input schemas come from `tools/list` of the server in each mode, so a new tool is
covered as soon as it is listed. Each tool gets its own property (a subtest) with the profile's number of
examples; see tests/guardrails/profiles.py.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

from hypothesis import example, given
from hypothesis import strategies as st
from mcp_types import PromptReference, ResourceTemplateReference

from k8stools.mcp_resources import OBJECT_TEMPLATE
from k8stools.tools.registry import TOOLS
from tests.guardrails import invariants
from tests.guardrails.base import GuardrailTestCase, Observation
from tests.guardrails.cluster import OPEN_NAMESPACE, RESTRICTED, RESTRICTED_POD_NAMES
from tests.guardrails.hostile import Plausible, explicit_examples, hostile, tool_arguments
from tests.guardrails.profiles import guardrail_settings
from tests.inprocess import McpSession

# Fewer than this many listed tools means the server lost tools, and the property would cover less.
MINIMUM_TOOLS = {"read-only": 20, "dry-run": 25, "allowed-operations": 25, "read-write": 30}
COMPLETED_ARGUMENTS = ("namespace", "resourceType", "name", "context", "contextName", "kind")


class ToolArgumentProperties(GuardrailTestCase):
    """Every listed tool, hostile string arguments, each policy mode."""

    def check_every_tool(self, mode: str) -> None:
        plausible = Plausible.from_cluster(self.fake)
        with self.session(mode) as mcp:
            tools = mcp.list_tools()
            self.assertGreaterEqual(len(tools), MINIMUM_TOOLS[mode], [tool.name for tool in tools])
            for tool in tools:
                with self.subTest(mode=mode, tool=tool.name):
                    self.check_tool(mcp, mode, tool.name, tool.input_schema, plausible)
            listed = {tool.name for tool in tools}
            for name in sorted(set(TOOLS) - listed):
                with self.subTest(mode=mode, hidden_tool=name):
                    self.check_hidden_tool(mcp, mode, name, plausible)

    def check_hidden_tool(self, mcp: McpSession, mode: str, name: str, plausible: Plausible) -> None:
        """A tool the policy leaves out of the list is refused, whatever its arguments, before any request."""
        for arguments in explicit_examples(mcp.server.mcp.tool_schema(name), plausible):
            observation = self.observe(partial(mcp.call_tool, name, arguments), {"tool": name, **arguments}, mode=mode)
            self.assertTrue(observation.is_tool_error, f"{name}({observation.given[:300]}): {observation.text[:300]}")
            self.assertEqual([invariants.shown(request) for request in observation.requests], [], observation.given)
            self.assertHolds(observation, reads_only=True)

    def check_tool(self, mcp: McpSession, mode: str, name: str, schema: dict[str, Any], plausible: Plausible) -> None:
        reads_only = not TOOLS[name].mutating

        def holds(arguments: dict[str, Any]) -> None:
            observation = self.observe(lambda: mcp.call_tool(name, arguments), {"tool": name, **arguments}, mode=mode)
            if observation.protocol_error is not None:
                self.fail(f"{name}({observation.given[:300]}) got a protocol error: {observation.protocol_error}")
            self.assertHolds(observation, reads_only=reads_only)

        for arguments in explicit_examples(schema, plausible):
            holds = example(arguments=arguments)(holds)
        guardrail_settings()(given(arguments=tool_arguments(schema, plausible))(holds))()

    def test_read_only_mode(self) -> None:
        self.check_every_tool("read-only")

    def test_dry_run_mode(self) -> None:
        self.check_every_tool("dry-run")

    def test_allowed_operations_mode(self) -> None:
        self.check_every_tool("allowed-operations")

    def test_read_write_mode(self) -> None:
        self.check_every_tool("read-write")


@st.composite
def uri_parts(draw: st.DrawFn, plausible: Plausible) -> dict[str, str]:
    """The four parts of an object URI, one or two hostile, each sent raw or percent-encoded."""
    parts = {
        "context": draw(st.sampled_from(["_current", "fake"])),
        "namespace": draw(st.sampled_from([OPEN_NAMESPACE, "_cluster"])),
        "kind": draw(st.sampled_from(["pods", "secrets", "deployments"])),
        "name": draw(st.sampled_from(plausible.values("name"))),
    }
    for part in draw(st.sets(st.sampled_from(sorted(parts)), min_size=1, max_size=2)):
        value = draw(hostile(parts[part]))
        parts[part] = draw(st.sampled_from([value, quote(value, safe="")]))
    return parts


PLAIN_URI = {"context": "_current", "namespace": OPEN_NAMESPACE, "kind": "pods", "name": "x"}


class ProtocolSurfaceProperties(GuardrailTestCase):
    """Resources, prompts and completion, with hostile values, in read-only mode (nothing there writes)."""

    def resource_violations(self, observation: Observation) -> list[str]:
        broken = self.violations(observation, reads_only=True)
        if observation.protocol_error is not None and "Traceback" in str(observation.protocol_error):
            broken.append(f"a traceback in the protocol error: {observation.protocol_error}")
        return broken

    def test_resource_uris(self) -> None:
        plausible = Plausible.from_cluster(self.fake)
        with self.session() as mcp:

            @guardrail_settings()
            @given(parts=uri_parts(plausible))
            @example(parts={**PLAIN_URI, "namespace": quote("catalog/../payments", safe="")})
            @example(parts={**PLAIN_URI, "name": quote("../../payments/secrets/db-credentials?", safe="")})
            @example(parts={**PLAIN_URI, "name": "..%2F..%2Fpayments%2Fsecrets%2Fdb-credentials%3F"})
            def holds(parts: dict[str, str]) -> None:
                uri = OBJECT_TEMPLATE.format(**parts)
                observation = self.observe(lambda: mcp.read_resource(uri), {"uri": uri})
                broken = self.resource_violations(observation)
                if broken:
                    self.fail(f"reading {uri!r}:\n" + "\n".join(broken))

            holds()

    def test_prompt_arguments(self) -> None:
        with self.session() as mcp:
            prompts = mcp.list_prompt_arguments()
            self.assertTrue(prompts)
            for prompt, names in prompts.items():
                with self.subTest(prompt=prompt):
                    self.check_prompt(mcp, prompt, names)

    def check_prompt(self, mcp: McpSession, prompt: str, names: list[str]) -> None:
        @guardrail_settings()
        @given(values=st.fixed_dictionaries({name: hostile(OPEN_NAMESPACE) for name in names}))
        def holds(values: dict[str, str]) -> None:
            observation = self.observe(lambda: mcp.get_prompt(prompt, values), values)
            if observation.protocol_error is None:
                self.assertHolds(observation, reads_only=True)
            else:
                self.assertEqual(self.resource_violations(observation), [])

        holds()

    def test_completion_requests(self) -> None:
        plausible = Plausible.from_cluster(self.fake)
        with self.session() as mcp:
            prompts = mcp.list_prompt_arguments()
            references: list[Any] = [ResourceTemplateReference(type="ref/resource", uri=OBJECT_TEMPLATE)]
            references += [PromptReference(type="ref/prompt", name=name) for name in prompts]

            @st.composite
            def requests(draw: st.DrawFn) -> tuple[Any, dict[str, str], dict[str, str]]:
                reference = draw(st.sampled_from(references))
                argument = draw(st.sampled_from(COMPLETED_ARGUMENTS))
                value = draw(st.one_of(st.sampled_from(["", "p", "k", "l", "e"]), hostile("")))
                context = {
                    name: draw(st.one_of(st.sampled_from(plausible.values(name)[:3] or ["x"]), hostile(OPEN_NAMESPACE)))
                    for name in draw(st.sets(st.sampled_from(["namespace", "resourceType", "name"]), max_size=3))
                }
                return reference, {"name": argument, "value": value}, context

            resource = references[0]
            walk = {"namespace": "catalog/../payments", "resourceType": "pods"}

            @guardrail_settings()
            @given(request=requests())
            @example(request=(resource, {"name": "name", "value": ""}, walk))
            @example(request=(resource, {"name": "name", "value": ""}, {**walk, "resourceType": "secrets"}))
            @example(
                request=(
                    resource,
                    {"name": "name", "value": "db"},
                    {"namespace": "payments", "resourceType": "secrets"},
                )
            )
            @example(request=(resource, {"name": "namespace", "value": ""}, {}))
            @example(request=(resource, {"name": "name", "value": ""}, {"resourceType": "../../payments/secrets"}))
            def holds(request: tuple[Any, dict[str, str], dict[str, str]]) -> None:
                reference, argument, context = request
                given_values = {"argument": argument, "context": context}
                observation = self.observe(lambda: mcp.complete(reference, argument, context), given_values)
                broken = self.violations(observation, reads_only=True)
                if observation.protocol_error is not None:
                    broken.append(f"completion answered with a protocol error: {observation.protocol_error}")
                offered = set(observation.result.completion.values if observation.result is not None else [])
                forbidden = offered & (RESTRICTED | set(RESTRICTED_POD_NAMES.values()))
                if forbidden:
                    broken.append(f"completion offered restricted values: {sorted(forbidden)}")
                if broken:
                    self.fail(f"completing {given_values}:\n" + "\n".join(broken))

            holds()

"""The guardrail matrix of the mutating tools: for each policy mode, which tools are listed, which are
refused at call time, and, from the fake's own request log, that nothing mutating reached the API
server unless it should (a dry run carries dryRun=All and changes nothing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from mcp import Client

from tests.tools_write.base import WritingTestCase, configmap, deployment

MUTATING_TOOLS = ("create", "apply", "delete", "patch", "scale", "rollout")
READ_ONLY_ROLLOUT_TOOLS = ("rollout_status", "rollout_history")


class GuardrailMatrix(WritingTestCase if TYPE_CHECKING else object):
    """The checks every mode runs; each mode's class says which tools it applies for real and which
    as dry runs (the rest are refused). A mixin, so only the per-mode classes are collected."""

    real: ClassVar[frozenset[str]] = frozenset()
    dry: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.fake.add_object(configmap("victim", "default"))
        cls.fake.add_object(configmap("patched", "default", level="info"))
        cls.fake.add_object(deployment("scaled", "default", replicas=1))
        cls.fake.add_object(deployment("restarted", "default"))

    # Each tool's call, and how to see in the fake whether its change happened.
    def calls(self) -> dict[str, tuple[dict[str, Any], Callable[[], bool]]]:
        fake = self.fake

        def template_annotations() -> dict[str, Any]:
            live = fake.get_object("deployments", "default", "restarted", group="apps")
            return (live["spec"]["template"].get("metadata") or {}).get("annotations") or {}

        return {
            "create": (
                {"manifest": configmap("created", "default")},
                lambda: fake.get_object("configmaps", "default", "created") is not None,
            ),
            "apply": (
                {"manifest": configmap("applied", "default", a="1")},
                lambda: fake.get_object("configmaps", "default", "applied") is not None,
            ),
            "delete": (
                {"resourceType": "configmap", "name": "victim"},
                lambda: fake.get_object("configmaps", "default", "victim") is None,
            ),
            "patch": (
                {"resourceType": "cm", "name": "patched", "patch": {"data": {"level": "debug"}}},
                lambda: fake.get_object("configmaps", "default", "patched")["data"]["level"] == "debug",
            ),
            "scale": (
                {"resourceType": "deploy", "name": "scaled", "replicas": 2},
                lambda: fake.get_object("deployments", "default", "scaled", group="apps")["spec"]["replicas"] == 2,
            ),
            "rollout": (
                {"action": "restart", "resourceType": "deploy", "name": "restarted"},
                lambda: "kubectl.kubernetes.io/restartedAt" in template_annotations(),
            ),
        }

    def listed(self) -> set[str]:
        async def body(client: Client) -> Any:
            return await client.list_tools()

        return {tool.name for tool in self.with_client(body).tools}

    def test_the_list_shows_exactly_the_tools_this_mode_allows(self) -> None:
        listed = self.listed()
        self.assertEqual({name for name in MUTATING_TOOLS if name in listed}, set(self.real | self.dry))
        self.assertTrue(set(READ_ONLY_ROLLOUT_TOOLS) <= listed)
        self.assertFalse({name for name in listed if name.startswith("kubernetes_")})

    def test_each_tool_is_refused_dry_run_or_applied_as_the_policy_says(self) -> None:
        for tool, (arguments, happened) in self.calls().items():
            with self.subTest(tool=tool):
                self.fake.clear_requests()
                result = self.call(tool, **arguments)
                text = "".join(getattr(block, "text", "") for block in result.content)
                sent = self.fake.requests
                writes = [entry for entry in sent if entry.method not in ("GET", "HEAD")]
                if tool in self.real:
                    self.assertFalse(result.is_error, text)
                    self.assertTrue(happened(), f"{tool} did not change the cluster")
                    self.assertTrue(self.fake.mutations())
                    self.assertFalse([entry for entry in writes if entry.dry_run])
                elif tool in self.dry:
                    self.assertFalse(result.is_error, text)
                    self.assertTrue(
                        text.startswith("Dry run: the API server validated this change; nothing was changed."), text
                    )
                    self.assertFalse(happened(), f"{tool} changed the cluster in dry-run mode")
                    self.assertEqual(self.fake.mutations(), [])
                    self.assertTrue(writes)
                    self.assertTrue(all(entry.query.get("dryRun") == "All" for entry in writes))
                else:
                    self.assertTrue(result.is_error, text)
                    self.assertIn(f"{tool} is not allowed in non-destructive mode", text)
                    self.assertEqual(sent, [])  # refused before the tool ran: nothing reached the API server
                    self.assertFalse(happened())

    def test_deprecated_aliases_follow_the_same_policy(self) -> None:
        arguments, _ = self.calls()["scale"]
        self.fake.clear_requests()
        result = self.call("kubernetes_scale", **{**arguments, "replicas": 1})
        self.assertEqual(result.is_error, "scale" not in self.real | self.dry)
        if "scale" not in self.real:
            self.assertEqual(self.fake.mutations(), [])

    def test_rollout_status_and_history_only_read_and_work_in_every_mode(self) -> None:
        self.fake.clear_requests()
        self.assertIn("successfully rolled out", self.text("rollout_status", resourceType="deploy", name="scaled"))
        self.assertIn("REVISION", self.text("rollout_history", resourceType="deploy", name="scaled"))
        self.assertEqual([entry.method for entry in self.fake.requests if entry.method != "GET"], [])


class NonDestructiveModeTests(GuardrailMatrix, WritingTestCase):
    server_env: ClassVar[dict[str, str]] = {}


class NonDestructiveDryRunModeTests(GuardrailMatrix, WritingTestCase):
    server_env: ClassVar[dict[str, str]] = {"DRY_RUN": "true"}
    dry = frozenset(MUTATING_TOOLS)

    def test_a_diff_is_allowed_and_still_changes_nothing(self) -> None:
        self.fake.clear_requests()
        text = self.text("patch", resourceType="cm", name="patched", patch={"data": {"level": "warn"}}, diff=True)
        self.assertIn("+  level: warn", text)
        self.assertEqual(self.fake.mutations(), [])


class AllowedCreateDeleteRolloutTests(GuardrailMatrix, WritingTestCase):
    """Non-destructive, with some operations allowed: those run for real, the others stay refused."""

    server_env: ClassVar[dict[str, str]] = {"ALLOWED_OPERATIONS": "create,delete,rollout"}
    real = frozenset({"create", "delete", "rollout"})


class AllowedApplyPatchScaleTests(GuardrailMatrix, WritingTestCase):
    server_env: ClassVar[dict[str, str]] = {"ALLOWED_OPERATIONS": "apply,patch,scale"}
    real = frozenset({"apply", "patch", "scale"})


class NonDestructiveOffTests(GuardrailMatrix, WritingTestCase):
    server_env: ClassVar[dict[str, str]] = {"NON_DESTRUCTIVE": "false"}
    real = frozenset(MUTATING_TOOLS)

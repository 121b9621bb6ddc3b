"""A 403 from the API server through every kind of tool: the server's own RBAC message reaches the caller with
the hint to ask can_i, and nothing is written. The identity is a kubeconfig context whose user the fake's RBAC
allows only to read configmaps in another namespace."""

from __future__ import annotations

from typing import Any, ClassVar

from tests.tools_write.base import WritingTestCase, as_yaml, configmap, deployment


class ForbiddenThroughToolsTests(WritingTestCase):
    seed: ClassVar[dict[str, int]] = {}
    extra_contexts = (("bob", "bob-token"),)  # type: ignore[assignment]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.fake.add_object(configmap("settings", "default", a="1"))
        cls.fake.add_object(deployment("web", "default"))
        cls.fake.require_auth({"bob-token": "bob"})
        cls.fake.grant("bob", ["get"], ["configmaps"], namespaces=["shop"])

    def forbidden(self, tool: str, verb: str, resource: str, **arguments: Any) -> None:
        """`tool` fails on the first request RBAC refuses (patch and scale read before they write)."""
        with self.subTest(tool=tool):
            text = self.error(tool, context="bob", **arguments)
            self.assertIn(f'User "bob" cannot {verb} resource "{resource}"', text)
            self.assertIn("use can_i to check", text)

    def test_reads_are_refused_with_the_rbac_message(self) -> None:
        pod = next(p["metadata"]["name"] for p in self.fake.list_objects("pods", "default"))
        self.forbidden("list", "list", "pods", resourceType="pods")
        self.forbidden("get", "get", "configmaps", resourceType="cm", name="settings")
        self.forbidden("describe", "get", "deployments", resourceType="deploy", name="web")
        self.forbidden("logs", "get", "pods/log", podName=pod)
        self.forbidden("events", "list", "events")
        self.forbidden("rollout_status", "get", "deployments", resourceType="deployment", name="web")

    def test_writes_are_refused_and_nothing_changes(self) -> None:
        self.fake.clear_requests()
        self.forbidden("create", "create", "configmaps", manifest=as_yaml(configmap("new", "default")))
        self.forbidden("delete", "delete", "configmaps", resourceType="cm", name="settings")
        self.forbidden("patch", "get", "configmaps", resourceType="cm", name="settings", patch={"data": {"a": "2"}})
        self.forbidden("scale", "get", "deployments/scale", resourceType="deployment", name="web", replicas=3)
        self.assertEqual([r for r in self.fake.requests if r.is_mutation and (r.status or 0) < 400], [])
        self.assertIsNotNone(self.fake.get_object("configmaps", "default", "settings"))

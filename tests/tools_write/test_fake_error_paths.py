"""kubemcp's error paths that the fake API server can produce now that it behaves like a real one: a 422 listing
several causes through `create` and `apply`, and a Terminating pod through `get`, `describe`, `list` and `delete`."""

from __future__ import annotations

from typing import Any

from tests.tools_write.base import WritingTestCase, as_yaml, deployment


def broken_deployment(name: str) -> dict[str, Any]:
    manifest = deployment(name, "default", replicas=-1)
    manifest["spec"]["template"]["spec"]["containers"][0].pop("image")
    return manifest


def held_pod(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "finalizers": ["example.com/hold"]},
        "spec": {"nodeName": "worker-1", "containers": [{"name": "main", "image": "nginx:1.27"}]},
    }


class FakeErrorPathTests(WritingTestCase):
    def test_create_reports_every_cause_of_an_invalid_object(self) -> None:
        text = self.error("create", manifest=as_yaml(broken_deployment("broken-create")))
        self.assertIn("spec.replicas: Invalid value: -1: must be greater than or equal to 0", text)
        self.assertIn("spec.template.spec.containers[0].image: Required value", text)
        self.assertIsNone(self.fake.get_object("deployments", "default", "broken-create", group="apps"))

    def test_apply_reports_every_cause_of_an_invalid_object(self) -> None:
        text = self.error("apply", manifest=as_yaml(broken_deployment("broken-apply")))
        self.assertIn("spec.replicas: Invalid value: -1", text)
        self.assertIn("spec.template.spec.containers[0].image: Required value", text)
        self.assertIsNone(self.fake.get_object("deployments", "default", "broken-apply", group="apps"))

    def test_a_terminating_pod_shows_as_terminating_and_deleting_it_again_succeeds(self) -> None:
        self.fake.add_object(held_pod("held"))
        self.fake.delete_object("pods", "default", "held")
        self.assertIn("deletionTimestamp", self.text("get", resourceType="pod", name="held"))
        self.assertIn("Terminating", self.text("list", resourceType="pods"))
        self.assertIn("Terminating", self.text("describe", resourceType="pod", name="held"))
        self.assertEqual(self.text("delete", resourceType="pod", name="held"), 'pod "held" deleted')
        self.assertIsNotNone(self.fake.get_object("pods", "default", "held"))

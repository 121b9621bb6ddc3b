from __future__ import annotations

from typing import ClassVar

from tests.tools_write.base import WritingTestCase, configmap, deployment


def statefulset(name: str, replicas: int) -> dict:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "serviceName": name,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "db", "image": "postgres:16"}]},
            },
        },
    }


class ScaleTests(WritingTestCase):
    def test_it_scales_a_deployment_through_the_scale_subresource(self) -> None:
        self.fake.add_object(deployment("scaled", "default", replicas=1))
        self.fake.clear_requests()
        self.assertEqual(
            self.text("scale", resourceType="deploy", name="scaled", replicas=3),
            "deployment.apps/scaled scaled from 1 to 3 replicas",
        )
        writes = [(entry.method, entry.path) for entry in self.fake.requests if entry.method != "GET"]
        self.assertEqual(writes, [("PATCH", "/apis/apps/v1/namespaces/default/deployments/scaled/scale")])
        self.assertEqual(self.fake.get_object("deployments", "default", "scaled", group="apps")["spec"]["replicas"], 3)

    def test_it_scales_a_statefulset_to_zero(self) -> None:
        self.fake.add_object(statefulset("db", 2))
        self.assertEqual(
            self.text("scale", resourceType="sts", name="db", replicas=0),
            "statefulset.apps/db scaled from 2 to 0 replicas",
        )
        self.assertEqual(self.fake.get_object("statefulsets", "default", "db", group="apps")["spec"]["replicas"], 0)

    def test_scaling_to_the_current_count_says_unchanged(self) -> None:
        self.fake.add_object(deployment("steady", "default", replicas=2))
        self.assertEqual(
            self.text("scale", resourceType="deployment", name="steady", replicas=2),
            "deployment.apps/steady already has 2 replicas (unchanged)",
        )

    def test_a_kind_without_a_scale_subresource_is_refused(self) -> None:
        self.fake.add_object(configmap("flat", "default"))
        text = self.error("scale", resourceType="configmap", name="flat", replicas=2)
        self.assertIn("configmaps cannot be scaled: it has no scale subresource", text)

    def test_negative_replicas_are_refused_by_the_schema(self) -> None:
        self.assertIn("invalid argument 'replicas'", self.error("scale", resourceType="deploy", name="x", replicas=-1))

    def test_a_missing_workload_is_a_clear_error(self) -> None:
        self.assertIn(
            'deployments.apps "ghost" not found', self.error("scale", resourceType="deploy", name="ghost", replicas=1)
        )


class ScaleInDryRunModeTests(WritingTestCase):
    server_env: ClassVar[dict[str, str]] = {"NON_DESTRUCTIVE": "true", "DRY_RUN": "true"}

    def test_a_dry_run_scale_changes_nothing(self) -> None:
        self.fake.add_object(deployment("dry-scaled", "default", replicas=1))
        self.fake.clear_requests()
        text = self.text("scale", resourceType="deploy", name="dry-scaled", replicas=5)
        self.assertIn("nothing was changed", text)
        self.assertIn("deployment.apps/dry-scaled would be scaled from 1 to 5 replicas (server dry run)", text)
        self.assertEqual(
            self.fake.get_object("deployments", "default", "dry-scaled", group="apps")["spec"]["replicas"], 1
        )
        self.assertEqual(self.fake.mutations(), [])

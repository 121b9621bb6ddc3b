"""`get`: one object as YAML, any kind, secrets masked in every form, restricted namespaces refused."""

from __future__ import annotations

import base64

import yaml

from tests.live import LiveServerTestCase
from tests.tools_read.helpers import WIDGET_CRD, widget

FORMS = ("slim", "normal", "wide", "full")


class GetTests(LiveServerTestCase):
    seed = {"pods": 12, "namespaces": 2}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.fake.add_object(WIDGET_CRD)
        cls.fake.add_object(widget("gizmo", "payments", size=3))
        cls.pod = sorted(p["metadata"]["name"] for p in cls.fake.list_objects("pods", "payments"))[0]

    def test_it_gets_a_pod_by_short_name_as_slim_yaml(self) -> None:
        document = yaml.safe_load(self.text("get", resourceType="po", name=self.pod, namespace="payments"))
        self.assertEqual(document["kind"], "Pod")
        self.assertEqual(document["metadata"]["name"], self.pod)
        self.assertNotIn("managedFields", document["metadata"])
        self.assertNotIn("uid", document["metadata"])

    def test_the_deprecated_alias_still_answers(self) -> None:
        document = yaml.safe_load(self.text("kubernetes_get", resourceType="po", name=self.pod, namespace="payments"))
        self.assertEqual(document["metadata"]["name"], self.pod)

    def test_full_output_keeps_the_bookkeeping_fields(self) -> None:
        document = yaml.safe_load(
            self.text("get", resourceType="pods", name=self.pod, namespace="payments", output="full")
        )
        stored = self.fake.get_object("pods", "payments", self.pod)
        self.assertEqual(document["metadata"]["uid"], stored["metadata"]["uid"])

    def test_it_masks_secret_data_in_every_output_form(self) -> None:
        stored = self.fake.get_object("secrets", "payments", "db-credentials")
        password = base64.b64decode(stored["data"]["password"]).decode()
        for form in FORMS:
            with self.subTest(output=form):
                text = self.text("get", resourceType="secret", name="db-credentials", namespace="payments", output=form)
                document = yaml.safe_load(text)
                self.assertEqual(set(document["data"]), {"username", "password", "url"})
                self.assertEqual(set(document["data"].values()), {"***REDACTED***"})
                self.assertNotIn(stored["data"]["password"], text)
                self.assertNotIn(password, text)

    def test_the_namespace_defaults_to_the_configured_one(self) -> None:
        self.fake.add_object(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "here", "namespace": "default"},
                "data": {"a": "1"},
            }
        )
        document = yaml.safe_load(self.text("get", resourceType="cm", name="here"))
        self.assertEqual(document["metadata"]["namespace"], "default")

    def test_a_cluster_scoped_kind_ignores_the_namespace_and_says_so(self) -> None:
        text = self.text("get", resourceType="nodes", name="worker-1", namespace="payments")
        self.assertTrue(text.startswith("# nodes are cluster-scoped; namespace 'payments' was ignored"))
        self.assertEqual(yaml.safe_load(text)["metadata"]["name"], "worker-1")

    def test_it_gets_a_custom_resource_by_kind_plural_and_short_name(self) -> None:
        for resource_type in ("Widget", "widgets", "wdg", "widgets.example.com"):
            with self.subTest(resourceType=resource_type):
                document = yaml.safe_load(
                    self.text("get", resourceType=resource_type, name="gizmo", namespace="payments")
                )
                self.assertEqual(document["spec"], {"size": 3})

    def test_api_group_picks_the_group(self) -> None:
        document = yaml.safe_load(
            self.text("get", resourceType="deployment", apiGroup="apps/v1", name="api", namespace="payments")
        )
        self.assertEqual(document["apiVersion"], "apps/v1")
        message = self.error("get", resourceType="deployment", apiGroup="batch", name="api", namespace="payments")
        self.assertIn("unknown resource type 'deployment' in API group 'batch'", message)

    def test_an_unknown_kind_gets_a_suggestion(self) -> None:
        message = self.error("get", resourceType="deploymnet", name="api", namespace="payments")
        self.assertIn("unknown resource type 'deploymnet'", message)
        self.assertIn("'deployment'", message)

    def test_a_missing_object_is_a_not_found_error_with_a_hint(self) -> None:
        message = self.error("get", resourceType="pod", name="no-such-pod", namespace="payments")
        self.assertIn('"no-such-pod" not found', message)
        self.assertIn("check the name and namespace", message)

    def test_a_name_that_would_change_the_request_path_is_refused_before_any_request(self) -> None:
        self.fake.clear_requests()
        message = self.error("get", resourceType="pod", name="../../kube-system/secrets/x", namespace="payments")
        self.assertIn("is not a valid object name", message)
        self.assertFalse([r for r in self.fake.requests if "secrets" in r.path])

    def test_an_unknown_output_form_is_a_tool_error(self) -> None:
        message = self.error("get", resourceType="pod", name=self.pod, namespace="payments", output="yaml")
        self.assertIn("invalid argument 'output'", message)


class RestrictedGetTests(LiveServerTestCase):
    seed = {"pods": 12, "namespaces": 2}
    server_env = {"RESTRICTED_NAMESPACES": "kube-system"}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.fake.add_object(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "cluster-config", "namespace": "kube-system"},
                "data": {"k": "v"},
            }
        )

    def test_it_refuses_an_object_in_a_restricted_namespace_without_asking_the_cluster(self) -> None:
        self.fake.clear_requests()
        message = self.error("get", resourceType="configmap", name="cluster-config", namespace="kube-system")
        self.assertIn('namespace "kube-system" is restricted', message)
        self.assertEqual([r.path for r in self.fake.requests if r.namespace == "kube-system"], [])

    def test_it_refuses_the_restricted_namespace_object_itself(self) -> None:
        self.fake.clear_requests()
        message = self.error("get", resourceType="namespace", name="kube-system")
        self.assertIn('namespace "kube-system" is restricted', message)
        self.assertFalse([r for r in self.fake.requests if r.path.endswith("/namespaces/kube-system")])

    def test_other_namespaces_still_work(self) -> None:
        self.assertIn("name: payments", self.text("get", resourceType="ns", name="payments"))

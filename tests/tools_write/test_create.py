from __future__ import annotations

from tests.tools_write.base import WritingTestCase, as_yaml, configmap, deployment


class CreateTests(WritingTestCase):
    def test_it_creates_every_document_of_a_yaml_manifest(self) -> None:
        text = self.text(
            "create", manifest=as_yaml(deployment("shop", "default"), configmap("shop-config", "default", a="1"))
        )
        self.assertEqual(text, "deployment.apps/shop created\nconfigmap/shop-config created")
        self.assertIsNotNone(self.fake.get_object("deployments", "default", "shop", group="apps"))
        self.assertEqual(self.fake.get_object("configmaps", "default", "shop-config")["data"], {"a": "1"})

    def test_it_accepts_an_object_and_puts_it_in_the_namespace_argument(self) -> None:
        self.fake.add_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
        text = self.text("create", manifest=configmap("settings"), namespace="team-a")
        self.assertEqual(text, "configmap/settings created")
        self.assertIsNotNone(self.fake.get_object("configmaps", "team-a", "settings"))

    def test_it_accepts_json_text_and_a_list_of_objects(self) -> None:
        import json

        self.assertEqual(
            self.text("create", manifest=json.dumps(configmap("from-json"))), "configmap/from-json created"
        )
        text = self.text("create", manifest=[configmap("listed-1"), configmap("listed-2")])
        self.assertEqual(text, "configmap/listed-1 created\nconfigmap/listed-2 created")

    def test_it_expands_a_list_kind(self) -> None:
        manifest = {"apiVersion": "v1", "kind": "List", "items": [configmap("in-list-1"), configmap("in-list-2")]}
        self.assertEqual(
            self.text("create", manifest=manifest), "configmap/in-list-1 created\nconfigmap/in-list-2 created"
        )

    def test_it_creates_with_generate_name(self) -> None:
        manifest = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "gen-"}}
        text = self.text("create", manifest=manifest)
        self.assertRegex(text, r"^configmap/gen-\w+ created$")

    def test_it_reports_which_documents_succeeded_failed_and_were_not_attempted(self) -> None:
        self.fake.add_object(configmap("taken", "default"))
        self.fake.clear_requests()
        manifest = as_yaml(configmap("before-taken"), configmap("taken"), configmap("after-taken"))
        text = self.error("create", manifest=manifest)
        self.assertIn(
            "1 of 3 documents succeeded; document 2 (ConfigMap taken) failed; the 1 after it were not attempted", text
        )
        self.assertIn("succeeded: configmap/before-taken created", text)
        self.assertIn('FAILED: document 2 (ConfigMap taken): configmaps "taken" already exists; use apply', text)
        self.assertIn("not attempted: document 3 (ConfigMap after-taken)", text)
        self.assertIsNone(self.fake.get_object("configmaps", "default", "after-taken"))
        sent = [(entry.method, entry.path, entry.status) for entry in self.writes()]
        path = "/api/v1/namespaces/default/configmaps"
        self.assertEqual(sent, [("POST", path, 201), ("POST", path, 409)])

    def test_it_shows_the_created_objects_with_output_yaml_and_masks_secrets(self) -> None:
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "creds"},
            "stringData": {"password": "hunter2"},
        }
        text = self.text("create", manifest=secret, output="yaml")
        self.assertTrue(text.startswith("secret/creds created\n---\n"))
        self.assertNotIn("hunter2", text)
        self.assertNotIn("aHVudGVyMg", text)  # base64 of the value
        self.assertIn("***REDACTED***", text)

    def test_invalid_yaml_names_the_line_and_sends_nothing(self) -> None:
        self.fake.clear_requests()
        text = self.error("create", manifest="apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [broken\n")
        self.assertIn("not valid YAML at line", text)
        self.assertEqual(self.writes(), [])

    def test_an_unknown_kind_is_refused_before_anything_is_sent(self) -> None:
        self.fake.clear_requests()
        manifest = as_yaml(
            configmap("never-sent"), {"apiVersion": "v1", "kind": "Deploymnet", "metadata": {"name": "x"}}
        )
        text = self.error("create", manifest=manifest)
        self.assertIn("document 2 (Deploymnet x): unknown resource type 'Deploymnet'", text)
        self.assertEqual(self.writes(), [])

    def test_an_empty_manifest_and_a_document_without_a_name_are_refused(self) -> None:
        self.assertIn("the manifest is empty", self.error("create", manifest="---\n"))
        text = self.error("create", manifest={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}})
        self.assertIn("document 1 (ConfigMap) has no name", text)

    def test_a_namespace_object_named_after_a_restricted_namespace_is_refused_before_sending(self) -> None:
        self.fake.clear_requests()
        manifest = as_yaml(
            configmap("not-sent"), {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}}
        )
        text = self.error("create", manifest=manifest)
        self.assertIn('document 2 (Namespace kube-system): access to namespace "kube-system" is restricted', text)
        self.assertEqual(self.writes(), [])
        self.assertIsNone(self.fake.get_object("configmaps", "default", "not-sent"))

    def test_a_manifest_whose_own_namespace_or_name_is_not_a_kubernetes_name_is_refused_before_sending(self) -> None:
        self.fake.clear_requests()
        hostile_namespace = as_yaml(configmap("not-sent"), configmap("walks-out", "catalog/../payments"))
        text = self.error("create", manifest=hostile_namespace)
        self.assertIn("document 2 (ConfigMap walks-out): 'catalog/../payments' is not a valid namespace name", text)
        hostile_name = as_yaml(configmap("not-sent"), configmap("x?dryRun=None#", "default"))
        self.assertIn("is not a valid object name", self.error("apply", manifest=hostile_name))
        self.assertEqual(self.writes(), [])
        self.assertIsNone(self.fake.get_object("configmaps", "default", "not-sent"))

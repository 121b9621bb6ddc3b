"""The audit record's arguments hold no secret value, whatever form a manifest or patch is sent in."""

from __future__ import annotations

import json

import yaml
from django.test import SimpleTestCase

from k8stools.audit import REDACTED, redact_arguments

SECRET = "hunter2-do-not-log"
ENCODED = "aHVudGVyMi1kby1ub3QtbG9n"
SECRET_MANIFEST = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "stringData": {"pw": SECRET}}


class AuditRedactionTests(SimpleTestCase):
    def assertNoSecret(self, arguments: dict[str, object]) -> dict[str, object]:
        redacted = redact_arguments(arguments)
        encoded = json.dumps(redacted)
        self.assertNotIn(SECRET, encoded)
        self.assertNotIn(ENCODED, encoded)
        return redacted

    def test_a_secret_patch_given_as_a_json_string_is_redacted(self) -> None:
        for patch in (json.dumps({"stringData": {"pw": SECRET}}), json.dumps({"data": {"pw": ENCODED}})):
            with self.subTest(patch=patch):
                redacted = self.assertNoSecret({"resourceType": "secrets", "name": "db", "patch": patch})
                self.assertEqual(redacted["name"], "db")

    def test_every_spelling_of_the_secret_kind_counts(self) -> None:
        for kind in ("secrets", "Secret", "SECRETS", "secrets.v1.", "v1/secrets", " secret "):
            with self.subTest(kind=kind):
                self.assertNoSecret({"resourceType": kind, "patch": {"data": {"pw": ENCODED}}})

    def test_a_json_patch_of_a_secret_loses_its_values_as_a_list_or_as_text(self) -> None:
        operations = [{"op": "replace", "path": "/data/pw", "value": ENCODED}]
        redacted = self.assertNoSecret({"resourceType": "Secret", "name": "db", "patch": operations})
        self.assertEqual(redacted["patch"], [{"op": "replace", "path": "/data/pw", "value": REDACTED}])
        self.assertNoSecret({"resourceType": "secret", "name": "db", "patch": json.dumps(operations)})

    def test_a_secret_manifest_as_a_dict_as_json_text_or_as_yaml_text_is_redacted(self) -> None:
        for manifest in (SECRET_MANIFEST, json.dumps(SECRET_MANIFEST), yaml.safe_dump(SECRET_MANIFEST)):
            with self.subTest(form=type(manifest).__name__):
                self.assertNoSecret({"manifest": manifest})

    def test_a_secret_in_any_document_of_multi_document_yaml_is_redacted(self) -> None:
        configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}
        text = yaml.safe_dump_all([configmap, SECRET_MANIFEST])
        redacted = self.assertNoSecret({"manifest": text})
        self.assertIn("kind: ConfigMap", str(redacted["manifest"]))

    def test_a_secret_inside_a_list_is_redacted(self) -> None:
        self.assertNoSecret({"manifest": {"apiVersion": "v1", "kind": "List", "items": [SECRET_MANIFEST]}})
        self.assertNoSecret({"manifest": [SECRET_MANIFEST]})

    def test_a_secret_manifest_that_does_not_parse_is_redacted_whole(self) -> None:
        text = f'kind: Secret\nstringData: {{pw: "{SECRET}"\n'
        self.assertEqual(self.assertNoSecret({"manifest": text})["manifest"], REDACTED)

    def test_the_last_applied_annotation_is_redacted_in_any_manifest(self) -> None:
        manifest = {
            "kind": "Deployment",
            "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": SECRET}},
        }
        self.assertNoSecret({"manifest": manifest})

    def test_list_and_map_values_under_secret_looking_keys_are_redacted(self) -> None:
        redacted = self.assertNoSecret(
            {"values": {"db": {"passwords": [SECRET, SECRET], "credentials": {"k": SECRET}}}}
        )
        self.assertEqual(
            redacted["values"], {"db": {"passwords": [REDACTED, REDACTED], "credentials": {"k": REDACTED}}}
        )

    def test_ordinary_arguments_are_kept_as_sent(self) -> None:
        arguments = {
            "resourceType": "deployments",
            "name": "web",
            "patch": '{"spec": {"replicas": 2}}',
            "command": ["sh", "-c", "echo a: b"],
        }
        self.assertEqual(redact_arguments(arguments), arguments)

    def test_yaml_aliases_are_not_expanded_and_a_secret_text_with_them_is_redacted_whole(self) -> None:
        bomb = "a: &a [x, x, x, x, x, x, x, x]\n" + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
            for i in range(12)
        )
        self.assertEqual(redact_arguments({"resourceType": "secrets", "patch": bomb})["patch"], REDACTED)
        self.assertEqual(redact_arguments({"resourceType": "pods", "patch": bomb})["patch"], bomb)


class PlainTextTests(SimpleTestCase):
    """Names, kinds and selectors are not parsed as YAML: for them parsing could change nothing."""

    def test_plain_text_is_kept_as_it_is_in_any_call(self) -> None:
        for text in ("pods", "kube-system", "app=web,tier=db", "apps/v1", "-", "---", "0x_", "1e3"):
            for kind in ("Secret", "pods"):
                self.assertEqual(redact_arguments({"resourceType": kind, "name": text})["name"], text)

    def test_text_yaml_cannot_construct_does_not_stop_the_record(self) -> None:
        # PyYAML raises ValueError, not a YAMLError, for this one: the record is still written, the text kept.
        self.assertEqual(redact_arguments({"labelSelector": "app: 0x_"}), {"labelSelector": "app: 0x_"})
        self.assertEqual(redact_arguments({"resourceType": "Secret", "manifest": "a: 0x_"})["manifest"], REDACTED)

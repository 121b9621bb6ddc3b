"""Helm releases read from their Secrets, and helm_change without a helm binary; mixed into test_live.py."""

from __future__ import annotations

import base64
import gzip
import json
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import yaml
from django.test import SimpleTestCase

from k8stools.formatting.secrets import REDACTED
from k8stools.models import PolicySettings
from k8stools.policy import Policy, PolicyDenied
from k8stools.tools.call import ToolOutput
from k8stools.tools.errors import ToolInputError
from k8stools.tools.helm import (
    UNREADABLE_DOCUMENT,
    checked_release,
    decode_release,
    mask_values,
    masked_manifest,
    merged_values,
    run_helm_command,
    secret_values,
    without_secret_values,
)

if TYPE_CHECKING:
    from tests.live import LiveServerTestCase as Base
else:
    Base = object

MANIFEST = """---
# Source: shop/templates/secret.yaml
apiVersion: v1
kind: Secret
metadata:
  name: shop-db
data:
  password: aHVudGVyMg==
---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
"""


def release_secret(
    name: str,
    namespace: str,
    revision: int,
    status: str,
    chart_version: str,
    *,
    manifest: str = MANIFEST,
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    values = config if config is not None else {"replicas": 3, "db": {"password": "user-s3cret"}}
    release = {
        "name": name,
        "namespace": namespace,
        "version": revision,
        "info": {
            "first_deployed": "2026-11-20T10:00:00Z",
            "last_deployed": f"2026-11-2{revision}T10:00:00Z",
            "status": status,
            "description": "Install complete" if revision == 1 else "Upgrade complete",
            # Charts print values in their notes; a secret one must not come through helm_get.
            "notes": f"Visit http://shop.example.com; your password is {values.get('db', {}).get('password', '')}",
        },
        "chart": {
            "metadata": {"name": "shop", "version": chart_version, "appVersion": "2.0"},
            "values": {"replicas": 1, "image": {"tag": "2.0"}, "db": {"host": "db", "password": "chart-default"}},
        },
        "config": values,
        "manifest": manifest,
    }
    helm_encoded = base64.b64encode(gzip.compress(json.dumps(release).encode()))
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "helm.sh/release.v1",
        "metadata": {
            "name": f"sh.helm.release.v1.{name}.v{revision}",
            "namespace": namespace,
            "labels": {"owner": "helm", "name": name, "status": status, "version": str(revision)},
        },
        "data": {"release": base64.b64encode(helm_encoded).decode()},
    }


class HelmReadCases(Base):
    @classmethod
    def add_releases(cls) -> None:
        cls.fake.add_object(release_secret("shop", "default", 1, "superseded", "1.0.0"))
        cls.fake.add_object(release_secret("shop", "default", 2, "deployed", "1.1.0"))

    def test_helm_list_shows_the_latest_revision_of_each_release(self) -> None:
        text = self.text("helm_list")
        self.assertRegex(text, r"shop\s+default\s+2\s+\S+\s+deployed\s+shop-1.1.0\s+2.0")
        self.assertNotIn("superseded", text)

    def test_helm_list_in_a_namespace_without_releases_says_so(self) -> None:
        self.assertEqual(self.text("helm_list", namespace="empty-ns"), "No Helm releases in namespace empty-ns.")

    def test_helm_history_lists_every_revision(self) -> None:
        text = self.text("helm_history", release="shop")
        self.assertRegex(text, r"1\s+\S+\s+superseded\s+shop-1.0.0")
        self.assertRegex(text, r"2\s+\S+\s+deployed\s+shop-1.1.0")

    def test_helm_get_status_values_and_manifest_mask_secrets(self) -> None:
        status = self.text("helm_get", release="shop")
        self.assertIn("STATUS: deployed", status)
        self.assertIn("Visit http://shop.example.com", status)
        self.assertIn("your password is ***REDACTED***", status)
        self.assertNotIn("user-s3cret", status)
        values = self.text("helm_get", release="shop", what="values")
        self.assertIn("replicas: 3", values)
        self.assertNotIn("user-s3cret", values)
        computed = self.text("helm_get", release="shop", what="values", allValues=True)
        self.assertIn("tag: '2.0'", computed)
        self.assertNotIn("chart-default", computed)
        manifest = self.text("helm_get", release="shop", what="manifest", revision=1)
        self.assertIn("kind: Deployment", manifest)
        self.assertNotIn("aHVudGVyMg==", manifest)

    def test_helm_get_redacts_an_unreadable_manifest_document_and_list_valued_secret_values(self) -> None:
        broken = '---\n# Source: vault/templates/secret.yaml\nkind: Secret\nstringData: {token: "clear-t0ken"\n'
        self.fake.add_object(
            release_secret(
                "vault", "default", 1, "deployed", "1", manifest=broken, config={"passwords": ["pw-one", "pw-two"]}
            )
        )
        manifest = self.text("helm_get", release="vault", what="manifest")
        self.assertNotIn("clear-t0ken", manifest)
        self.assertIn("# Source: vault/templates/secret.yaml", manifest)
        values = self.text("helm_get", release="vault", what="values")
        self.assertNotIn("pw-one", values)
        self.assertNotIn("pw-two", values)

    def test_releases_of_restricted_namespaces_are_withheld_or_refused(self) -> None:
        self.fake.add_object(release_secret("ledger", "payments", 1, "deployed", "1"))
        mirror = release_secret("mirror", "payments", 1, "deployed", "1")
        mirror["metadata"]["namespace"] = "default"
        self.fake.add_object(mirror)
        self.assertIn("ledger", self.text("helm_list", allNamespaces=True))
        PolicySettings.objects.create(non_destructive=True, restricted_namespaces=["payments"])
        listed = self.text("helm_list", allNamespaces=True)
        self.assertNotIn("ledger", listed)
        self.assertNotIn("mirror", listed)
        self.assertIn("1 releases deployed into restricted namespaces were withheld", listed)
        self.assertIn("shop", listed)
        for tool, arguments in (("helm_history", {}), ("helm_get", {"what": "manifest"})):
            refused = self.error(tool, release="ledger", namespace="payments", **arguments)
            self.assertIn('namespace "payments" is restricted', refused)
            self.assertIn('namespace "payments" is restricted', self.error(tool, release="mirror", **arguments))

    def test_unknown_releases_and_revisions_are_tool_errors_with_the_fix(self) -> None:
        self.assertIn("helm_list shows", self.error("helm_get", release="nothing"))
        self.assertIn("it has 1, 2", self.error("helm_get", release="shop", revision=9))


class HelmWithoutBinaryCases(Base):
    """The server's PATH holds no helm binary."""

    def test_helm_change_says_helm_is_not_installed_and_changes_nothing(self) -> None:
        self.fake.clear_requests()
        text = self.error("helm_change", action="install", release="web", chart="bitnami/nginx")
        self.assertIn("helm binary is not on this server's PATH", text)
        self.assertEqual(self.fake.mutations(), [])

    def test_helm_change_refuses_names_and_charts_that_would_be_flags_of_the_helm_binary(self) -> None:
        release = self.error("helm_change", action="uninstall", release="--namespace=payments")
        self.assertIn("'--namespace=payments' is not a valid object name", release)
        namespace = self.error("helm_change", action="uninstall", release="web", namespace="shop --kube-context=x")
        self.assertIn("is not a valid namespace name", namespace)
        chart = self.error("helm_change", action="install", release="web", chart="--kubeconfig=/etc/kc")
        self.assertIn("must not start with '-'", chart)


class NonDestructiveHelmCases(Base):
    def test_helm_change_is_refused_in_non_destructive_mode(self) -> None:
        text = self.error("helm_change", action="uninstall", release="shop")
        self.assertIn("not allowed in non-destructive mode", text)


class DryRunHelmCases(Base):
    def test_helm_change_refuses_to_run_in_dry_run_mode(self) -> None:
        PolicySettings.objects.create(non_destructive=False, dry_run=True)
        self.assertIn("dry-run mode is on", self.error("helm_change", action="uninstall", release="shop"))


class HelmFunctionTests(SimpleTestCase):
    def test_a_release_decodes_from_its_secret(self) -> None:
        self.assertEqual(decode_release(release_secret("a", "ns", 4, "deployed", "1"))["version"], 4)

    def test_a_damaged_release_secret_is_a_tool_input_error(self) -> None:
        secret = release_secret("a", "ns", 1, "deployed", "1")
        secret["data"]["release"] = base64.b64encode(b"not base64 of gzip").decode()
        with self.assertRaisesMessage(ToolInputError, "is not a readable Helm release"):
            decode_release(secret)

    def test_helm_change_runs_helm_with_the_server_s_kubeconfig_context_and_namespace(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            helm = Path(folder) / "helm"
            helm.write_text('#!/bin/sh\necho "$@"\necho "KUBECONFIG=$KUBECONFIG"\n[ "$1" != fail ] || exit 3\n')
            helm.chmod(0o755)
            factory = SimpleNamespace(kubeconfig="/tmp/kc", default_context_name=lambda: "prod")
            call: Any = SimpleNamespace(
                server=SimpleNamespace(client_factory=factory),
                config=SimpleNamespace(in_cluster=False),
                context_name="",
            )
            text = run_helm_command(
                call, str(helm), "upgrade", "web", "shop", "bitnami/nginx", "1.2.3", {"replicas": 2}, None
            )
            self.assertRegex(
                text,
                r"^upgrade --install web bitnami/nginx --version 1.2.3 --namespace shop --kube-context prod --values \S+",
            )
            self.assertIn("KUBECONFIG=/tmp/kc", text)
            failed = run_helm_command(call, str(helm), "fail", "web", "shop", None, None, None, None)
        self.assertTrue(isinstance(failed, ToolOutput) and failed.is_error and "helm fail failed" in failed.text)

    def test_values_merge_like_helm_and_secret_looking_keys_are_masked(self) -> None:
        merged = merged_values({"a": {"b": 1, "c": 2}, "d": 1}, {"a": {"c": 3}, "d": None})
        self.assertEqual(merged, {"a": {"b": 1, "c": 3}})
        self.assertEqual(
            mask_values({"db": {"apiKey": "k", "host": "h"}}), {"db": {"apiKey": "***REDACTED***", "host": "h"}}
        )

    def test_list_and_map_values_under_secret_looking_keys_are_masked_at_any_depth(self) -> None:
        values = {
            "db": {"passwords": ["a-pass", "b-pass"], "credentials": {"user": "root", "key": "k3y"}, "port": 5432},
            "replicas": 3,
            "auth": {"enabled": True, "tokens": [{"name": "ci", "value": "t0ken"}]},
        }
        masked = mask_values(values)
        for secret in ("a-pass", "b-pass", "root", "k3y", "t0ken"):
            self.assertNotIn(secret, yaml.safe_dump(masked))
        self.assertEqual(masked["db"]["passwords"], [REDACTED, REDACTED])
        self.assertEqual(masked["db"]["port"], 5432)
        self.assertEqual(masked["replicas"], 3)
        self.assertIs(masked["auth"]["enabled"], True)

    def test_secret_values_that_notes_or_a_manifest_print_are_redacted_there_too(self) -> None:
        hidden = secret_values({"db": {"password": "chart-default"}}, {"db": {"password": "user-s3cret"}, "port": 5432})
        notes = "Log in with user-s3cret (dXNlci1zM2NyZXQ= in a Secret); the port is 5432."
        shown = without_secret_values(notes, hidden)
        self.assertNotIn("user-s3cret", shown)
        self.assertNotIn("dXNlci1zM2NyZXQ=", shown)
        self.assertIn("the port is 5432", shown)
        # Values too short to search for would match ordinary text: they are left to mask_values.
        self.assertEqual(secret_values({"token": "abc"}), set())

    def test_a_manifest_document_that_does_not_parse_is_redacted_whole(self) -> None:
        manifest = (
            "---\n# Source: shop/templates/broken.yaml\napiVersion: v1\nkind: Secret\n"
            'stringData: {password: "hunter2-clear"\n'
            "---\n# Source: shop/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\n"
            "metadata:\n  name: shop\n"
        )
        shown = masked_manifest(manifest)
        self.assertNotIn("hunter2-clear", shown)
        self.assertIn("# Source: shop/templates/broken.yaml", shown)
        self.assertIn(UNREADABLE_DOCUMENT, shown)
        self.assertIn("name: shop", shown)

    def test_secrets_inside_a_list_document_and_after_an_annotated_separator_are_masked(self) -> None:
        manifest = (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
            "--- # a separator with a comment\n"
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  data:\n    k: aHVudGVyMg==\n"
            "---\n- kind: Secret\n  stringData: {k: in-a-bare-sequence}\n"
        )
        shown = masked_manifest(manifest)
        self.assertNotIn("aHVudGVyMg==", shown)
        self.assertNotIn("in-a-bare-sequence", shown)
        self.assertIn("name: c", shown)

    def test_a_release_deploying_into_a_restricted_namespace_is_refused(self) -> None:
        secret = release_secret("ledger", "payments", 1, "deployed", "1")
        policy = Policy(restricted_namespaces=frozenset({"payments"}))
        with self.assertRaisesMessage(PolicyDenied, 'namespace "payments" is restricted'):
            checked_release(secret, policy)
        self.assertEqual(checked_release(secret, Policy())["name"], "ledger")

    def test_a_secret_document_is_shown_without_its_comments_but_with_its_source(self) -> None:
        manifest = (
            "---\n# Source: shop/templates/secret.yaml\n# old password: commented-hunter2\n"
            "apiVersion: v1\nkind: Secret\ndata:\n  k: aHVudGVyMg==\n"
        )
        shown = masked_manifest(manifest)
        self.assertNotIn("commented-hunter2", shown)
        self.assertIn("# Source: shop/templates/secret.yaml", shown)

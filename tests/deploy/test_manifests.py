"""The Kubernetes manifests in deploy/kubernetes, validated against the Kubernetes schemas."""

from __future__ import annotations

import unittest
from pathlib import Path

import kubernetes_validate
import yaml

MANIFESTS = Path(__file__).resolve().parent.parent.parent / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.31"


def documents() -> list[tuple[str, dict]]:
    loaded = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        loaded.extend((path.name, document) for document in yaml.safe_load_all(path.read_text()) if document)
    return loaded


def by_kind(kind: str) -> list[dict]:
    return [document for _, document in documents() if document["kind"] == kind]


class ManifestTests(unittest.TestCase):
    def test_every_manifest_is_valid_against_the_kubernetes_schema(self) -> None:
        for name, document in documents():
            with self.subTest(f"{name}: {document['kind']}/{document['metadata']['name']}"):
                kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)

    def test_kustomization_lists_every_default_manifest(self) -> None:
        listed = set(yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())["resources"])
        on_disk = {path.name for path in MANIFESTS.glob("*.yaml")} - {
            "kustomization.yaml",
            "rbac-edit.yaml",
            "rbac-impersonate.yaml",
        }
        self.assertEqual(listed, on_disk)

    def test_the_deployment_runs_two_probed_non_root_replicas_in_cluster(self) -> None:
        [deployment] = by_kind("Deployment")
        self.assertEqual(deployment["spec"]["replicas"], 2)
        pod = deployment["spec"]["template"]["spec"]
        self.assertEqual(pod["serviceAccountName"], "kubemcp")
        self.assertTrue(pod["securityContext"]["runAsNonRoot"])
        [container] = pod["containers"]
        self.assertEqual(container["livenessProbe"]["httpGet"]["path"], "/healthz")
        self.assertEqual(container["readinessProbe"]["httpGet"]["path"], "/readyz")
        [config] = by_kind("ConfigMap")
        self.assertEqual(config["data"]["IN_CLUSTER"], "true")

    def test_secrets_come_from_a_secret_reference(self) -> None:
        [deployment] = by_kind("Deployment")
        env = {entry["name"]: entry for entry in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        for name in ("SECRET_KEY", "DATABASE_URL", "OAUTH_ENCRYPTION_KEY"):
            self.assertIn("secretKeyRef", env[name]["valueFrom"], name)

    def test_the_default_role_only_reads(self) -> None:
        readonly = next(role for role in by_kind("ClusterRole") if role["metadata"]["name"] == "kubemcp-readonly")
        verbs = {verb for rule in readonly["rules"] for verb in rule["verbs"]}
        self.assertEqual(verbs - {"get", "list", "watch"}, {"create"})  # create: only selfsubjectaccessreviews
        creates = [rule for rule in readonly["rules"] if "create" in rule["verbs"]]
        self.assertEqual([rule["resources"] for rule in creates], [["selfsubjectaccessreviews"]])
        resources = {resource for rule in readonly["rules"] for resource in rule["resources"]}
        self.assertNotIn("secrets", resources)

    def test_the_opt_in_impersonation_role_only_impersonates_users_groups_and_the_agent_extra(self) -> None:
        role = next(role for role in by_kind("ClusterRole") if role["metadata"]["name"] == "kubemcp-impersonate")
        self.assertEqual({verb for rule in role["rules"] for verb in rule["verbs"]}, {"impersonate"})
        resources = {resource for rule in role["rules"] for resource in rule["resources"]}
        self.assertEqual(resources, {"users", "groups", "userextras/agent"})  # no serviceaccounts, no uids
        listed = yaml.safe_load((MANIFESTS / "kustomization.yaml").read_text())["resources"]
        self.assertNotIn("rbac-impersonate.yaml", listed)

    def test_probes_send_a_host_the_server_allows(self) -> None:
        [deployment] = by_kind("Deployment")
        [config] = by_kind("ConfigMap")
        allowed = config["data"]["ALLOWED_HOSTS"].split(",")
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        for probe in ("livenessProbe", "readinessProbe"):
            headers = {h["name"]: h["value"] for h in container[probe]["httpGet"]["httpHeaders"]}
            self.assertIn(headers["Host"], allowed, probe)

"""The attacks of issue #17, each as the attacker made it, against RESTRICTED_NAMESPACES=payments,kube-system.

Every test goes through the real call path (in-process server, fake API server over HTTP) and checks the
invariants on what the fake recorded and on everything the call showed (answer, log lines, audit
record), then what the attack specifically aimed at.
"""

from __future__ import annotations

import json
import shutil
from typing import Any

from mcp_types import ResourceTemplateReference

from k8stools.mcp_resources import OBJECT_TEMPLATE
from tests.guardrails.base import GuardrailTestCase, Observation
from tests.guardrails.cluster import (
    HELM_BROKEN_YAML_SECRET,
    HELM_LIST_KIND_SECRET,
    HELM_LIST_SECRET,
    HELM_VALUE_SECRET,
    KUBECONFIG_EXTENSION_SECRET,
    KUBECONFIG_PROXY_PASSWORD,
    NODE,
    PATCH_SECRET_VALUE,
    PLANTED_SECRETS,
    RELEASE,
    RESTRICTED_POD_NAMES,
    add_secret_bearing_kubeconfig_entries,
    b64,
)
from tests.inprocess import InProcessServer, text_of

WALK_TO_PAYMENTS_SECRET = "../../payments/secrets/db-credentials?"
WALK_TO_PAYMENTS = "catalog/../payments"


class AttackerTestCase(GuardrailTestCase):
    def attack(self, tool: str, *, mode: str = "read-write", **arguments: Any) -> Observation:
        """One tool call under `mode` (read-write unless said: only the restriction stands in the way)."""
        with self.session(mode) as mcp:
            return self.observe(lambda: mcp.call_tool(tool, arguments), {"tool": tool, **arguments}, mode=mode)

    def catalog_pod(self) -> str:
        return str(self.fake.list_objects("pods", "catalog")[0]["metadata"]["name"])

    def assertRefused(self, observation: Observation, **options: Any) -> None:
        """The invariants hold and the answer is a tool error (not a protocol error, not a success)."""
        self.assertHolds(observation, **options)
        self.assertIsNone(observation.protocol_error, observation.protocol_error)
        self.assertTrue(observation.is_tool_error, f"the attack was answered as a success: {observation.text[:500]}")


class PathWalkingAttacks(AttackerTestCase):
    """Names and namespaces that are not Kubernetes names walk request paths into `payments`."""

    def test_logs_of_a_pod_named_as_a_path_to_a_payments_secret_is_refused(self) -> None:
        observation = self.attack("logs", mode="read-only", namespace="catalog", podName=WALK_TO_PAYMENTS_SECRET)
        self.assertRefused(observation)
        self.assertNotIn(b64(PLANTED_SECRETS["payments"]), observation.text)

    def test_scale_in_a_namespace_that_walks_to_payments_is_refused(self) -> None:
        replicas = self.stored("deployments", "payments", "api", "apps")["spec"]["replicas"]
        observation = self.attack(
            "scale", resourceType="deployments", name="api", namespace=WALK_TO_PAYMENTS, replicas=0
        )
        self.assertRefused(observation)
        self.assertEqual(self.stored("deployments", "payments", "api", "apps")["spec"]["replicas"], replicas)

    def test_patch_in_a_namespace_that_walks_to_payments_is_refused(self) -> None:
        patch = {"metadata": {"labels": {"owned": "yes"}}}
        observation = self.attack(
            "patch", resourceType="deployments", name="api", namespace=WALK_TO_PAYMENTS, patch=patch
        )
        self.assertRefused(observation)
        labels = self.stored("deployments", "payments", "api", "apps")["metadata"].get("labels") or {}
        self.assertNotIn("owned", labels)

    def test_delete_of_a_pod_named_as_a_path_to_a_payments_secret_is_refused(self) -> None:
        observation = self.attack("delete", resourceType="pods", name=WALK_TO_PAYMENTS_SECRET, namespace="catalog")
        self.assertRefused(observation)
        self.assertIsNotNone(self.fake.get_object("secrets", "payments", "db-credentials"))

    def test_rollout_restart_status_and_history_in_a_namespace_that_walks_to_payments_are_refused(self) -> None:
        calls: list[tuple[str, dict[str, Any]]] = [
            ("rollout", {"action": "restart"}),
            ("rollout_status", {}),
            ("rollout_history", {}),
        ]
        for tool, extra in calls:
            with self.subTest(tool=tool):
                target = {"resourceType": "deployments", "name": "api", "namespace": WALK_TO_PAYMENTS}
                self.assertRefused(self.attack(tool, **target, **extra))

    def test_rollout_status_of_a_deployment_named_as_a_path_to_a_kube_system_secret_is_refused(self) -> None:
        name = "../../kube-system/secrets/planted-credentials?"
        observation = self.attack("rollout_status", resourceType="deployments", name=name, namespace="catalog")
        self.assertRefused(observation)

    def test_top_in_a_namespace_that_walks_to_payments_is_refused(self) -> None:
        self.assertRefused(self.attack("top", mode="read-only", namespace=WALK_TO_PAYMENTS))

    def test_exec_in_a_namespace_that_walks_to_payments_is_refused(self) -> None:
        pod = str(self.fake.list_objects("pods", "payments")[0]["metadata"]["name"])
        observation = self.attack("exec", podName=pod, namespace=WALK_TO_PAYMENTS, command=["cat", "/etc/hostname"])
        self.assertRefused(observation)

    def test_port_forward_to_a_pod_named_as_a_path_to_a_payments_secret_is_refused(self) -> None:
        observation = self.attack("port_forward", namespace="catalog", podName=WALK_TO_PAYMENTS_SECRET, ports=[":8080"])
        self.assertRefused(observation)

    def test_helm_list_history_and_get_in_a_namespace_that_walks_to_payments_are_refused(self) -> None:
        calls: list[tuple[str, dict[str, Any]]] = [
            ("helm_list", {}),
            ("helm_history", {"release": RELEASE}),
            ("helm_get", {"release": RELEASE, "what": "values"}),
        ]
        for tool, extra in calls:
            with self.subTest(tool=tool):
                self.assertRefused(self.attack(tool, mode="read-only", namespace=WALK_TO_PAYMENTS, **extra))

    def test_completing_names_in_a_namespace_that_walks_to_payments_offers_nothing_from_it(self) -> None:
        reference = ResourceTemplateReference(type="ref/resource", uri=OBJECT_TEMPLATE)
        context = {"namespace": WALK_TO_PAYMENTS, "resourceType": "pods"}
        with self.session() as mcp:
            observation = self.observe(lambda: mcp.complete(reference, {"name": "name", "value": ""}, context), context)
        self.assertHolds(observation, reads_only=True)
        self.assertIsNone(observation.protocol_error)
        self.assertNotIn(RESTRICTED_POD_NAMES["payments"], observation.result.completion.values)


class QueryCuttingAttacks(AttackerTestCase):
    """With DRY_RUN=true, a `?` or `#` in a name must not move or cut off `dryRun=All`."""

    def assertNothingChanged(self, observation: Observation) -> None:
        self.assertHolds(observation)
        self.assertIsNone(observation.protocol_error, observation.protocol_error)

    def test_scale_of_a_name_ending_in_a_hash_changes_nothing(self) -> None:
        before = self.stored("deployments", "catalog", "api", "apps")["spec"]["replicas"]
        observation = self.attack(
            "scale", mode="dry-run", resourceType="deployments", name="api#", namespace="catalog", replicas=0
        )
        self.assertNothingChanged(observation)
        self.assertEqual(self.stored("deployments", "catalog", "api", "apps")["spec"]["replicas"], before)

    def test_patch_of_a_name_with_a_dry_run_query_in_it_changes_nothing(self) -> None:
        observation = self.attack(
            "patch",
            mode="dry-run",
            resourceType="deployments",
            name="api?dryRun=",
            namespace="catalog",
            patch={"metadata": {"labels": {"owned": "yes"}}},
        )
        self.assertNothingChanged(observation)
        labels = self.stored("deployments", "catalog", "api", "apps")["metadata"].get("labels") or {}
        self.assertNotIn("owned", labels)

    def test_delete_of_a_name_ending_in_a_hash_changes_nothing(self) -> None:
        pod = self.catalog_pod()
        observation = self.attack("delete", mode="dry-run", resourceType="pods", name=f"{pod}#", namespace="catalog")
        self.assertNothingChanged(observation)
        self.assertIsNotNone(self.fake.get_object("pods", "catalog", pod))


class NodeLevelAttacks(AttackerTestCase):
    """Node-level reads carry other namespaces' data: it must be filtered (or the read refused)."""

    def test_node_stats_does_not_list_the_pods_of_restricted_namespaces(self) -> None:
        observation = self.attack("node_stats", mode="read-only", nodeName=NODE)
        self.assertHolds(observation, reads_only=True)
        self.assertNotIn("payments/", observation.text)
        self.assertNotIn("kube-system/", observation.text)

    def test_node_logs_does_not_list_the_container_logs_of_restricted_namespaces(self) -> None:
        observation = self.attack("node_logs", mode="read-only", nodeName=NODE, file="containers")
        self.assertHolds(observation, reads_only=True)
        self.assertNotIn("_payments_", observation.text)
        self.assertNotIn("_kube-system_", observation.text)

    def test_node_logs_refuses_to_read_a_container_log_of_a_restricted_namespace(self) -> None:
        pod = self.stored("pods", "payments", RESTRICTED_POD_NAMES["payments"])
        status = pod["status"]["containerStatuses"][0]
        container_id = status["containerID"].split("://")[-1]
        file = f"containers/{pod['metadata']['name']}_payments_{status['name']}-{container_id}.log"
        self.assertRefused(self.attack("node_logs", mode="read-only", nodeName=NODE, file=file), reads_only=True)

    def test_the_kubelet_log_does_not_name_pods_of_restricted_namespaces(self) -> None:
        observation = self.attack("node_logs", mode="read-only", nodeName=NODE, file="kubelet.log")
        self.assertHolds(observation, reads_only=True)
        self.assertNotIn("payments/", observation.text)
        self.assertNotIn("kube-system/", observation.text)


class MaskingAttacks(AttackerTestCase):
    """Secret values in shapes the masking missed."""

    def test_helm_get_manifest_masks_a_secret_inside_a_list_and_in_an_unparseable_document(self) -> None:
        observation = self.attack("helm_get", mode="read-only", release=RELEASE, namespace="catalog", what="manifest")
        self.assertHolds(observation, reads_only=True)
        self.assertIn("kind: Deployment", observation.text)
        for value in (HELM_LIST_KIND_SECRET, b64(HELM_LIST_KIND_SECRET), HELM_BROKEN_YAML_SECRET):
            self.assertNotIn(value, observation.text)

    def test_helm_get_values_masks_a_list_under_a_secret_looking_key(self) -> None:
        observation = self.attack("helm_get", mode="read-only", release=RELEASE, namespace="catalog", what="values")
        self.assertHolds(observation, reads_only=True)
        self.assertIn("apiTokens", observation.text)
        self.assertNotIn(HELM_LIST_SECRET, observation.text)
        self.assertNotIn(HELM_VALUE_SECRET, observation.text)

    def test_kubeconfig_view_hides_a_proxy_password_and_extension_content(self) -> None:
        kubeconfig = str(self.cluster.directory / "kubeconfig-with-proxy")
        shutil.copy(self.cluster.kubeconfig, kubeconfig)
        add_secret_bearing_kubeconfig_entries(kubeconfig)
        server = InProcessServer(kubeconfig=kubeconfig, restricted_namespaces={"payments", "kube-system"})
        self.addCleanup(server.close)
        with server.session() as mcp:
            observation = self.observe(lambda: mcp.call_tool("kubeconfig_view", {"all": True}), {"all": True})
        self.assertHolds(observation, reads_only=True)
        self.assertIn("proxied-cluster", text_of(observation.result))
        self.assertNotIn(KUBECONFIG_PROXY_PASSWORD, observation.text)
        self.assertNotIn(KUBECONFIG_EXTENSION_SECRET, observation.text)

    def test_a_secret_patch_given_as_a_json_string_is_not_stored_in_clear_in_the_audit_record(self) -> None:
        patch = json.dumps({"stringData": {"password": PATCH_SECRET_VALUE}})
        with self.session("read-write") as mcp:
            arguments = {
                "resourceType": "secrets",
                "name": "planted-credentials",
                "namespace": "catalog",
                "patch": patch,
            }
            observation = self.observe(lambda: mcp.call_tool("patch", arguments), {"tool": "patch"}, mode="read-write")
        audit = [output.text for output in observation.outputs if output.where == "an audit record"]
        self.assertEqual(len(audit), 1, observation.outputs)
        self.assertNotIn(PATCH_SECRET_VALUE, audit[0])
        self.assertHolds(observation)

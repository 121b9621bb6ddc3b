"""Objects that name a restricted namespace without living in it (follow-up of issue #17).

A PersistentVolume bound to a claim in `payments`, a ClusterRoleBinding to a service account of `kube-system`
and a RoleBinding in `catalog` to one of `payments` carry those namespaces' data although no request names them.
One rule, as for events about objects there: dropped from every list, refused by name, through every way in
(get, list, describe, the k8s:// resource, completion), and no write may make an object name one.
"""

from __future__ import annotations

from typing import Any

from mcp_types import ResourceTemplateReference

from fakekube import FakeCluster
from k8stools.mcp_resources import OBJECT_TEMPLATE
from tests.guardrails.cluster import attacker_cluster
from tests.guardrails.test_attacker_examples import AttackerTestCase

# Names that exist only inside the references to restricted namespaces: none may reach the caller.
PAYMENTS_CLAIM = "ledger-archive-claim"
KUBE_SYSTEM_ACCOUNT = "etcd-backup-operator"
PAYMENTS_ACCOUNT = "ledger-writer"
HIDDEN = (PAYMENTS_CLAIM, KUBE_SYSTEM_ACCOUNT, PAYMENTS_ACCOUNT)
RBAC = "rbac.authorization.k8s.io"


def volume(name: str, claim_namespace: Any, claim: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name},
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": f"/data/{name}"},
            "claimRef": {"kind": "PersistentVolumeClaim", "namespace": claim_namespace, "name": claim},
        },
    }


def binding(kind: str, name: str, subjects: list[dict[str, Any]], namespace: str | None = None) -> dict[str, Any]:
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {
        "apiVersion": f"{RBAC}/v1",
        "kind": kind,
        "metadata": metadata,
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "view"},
        "subjects": subjects,
    }


def account(namespace: str, name: str) -> dict[str, Any]:
    return {"kind": "ServiceAccount", "namespace": namespace, "name": name}


class CrossNamespaceReferenceAttacks(AttackerTestCase):
    @classmethod
    def make_cluster(cls) -> FakeCluster:
        fake = attacker_cluster()
        fake.add_object(volume("shared-archive", "payments", PAYMENTS_CLAIM))
        fake.add_object(volume("catalog-cache", "catalog", "cache-claim"))
        fake.add_object(
            binding(
                "ClusterRoleBinding",
                "backup-readers",
                # A hostile second subject whose namespace is not a string must not hide the first.
                [{"kind": "Group", "namespace": ["x"], "name": "g"}, account("kube-system", KUBE_SYSTEM_ACCOUNT)],
            )
        )
        fake.add_object(binding("ClusterRoleBinding", "catalog-readers", [account("catalog", "reader")]))
        fake.add_object(binding("RoleBinding", "ledger-access", [account("payments", PAYMENTS_ACCOUNT)], "catalog"))
        return fake

    def assertHidden(self, observation: Any) -> None:
        for output in observation.outputs:
            for name in HIDDEN:
                self.assertNotIn(name, output.text, f"{name} reached the caller in {output.where}")

    def test_get_describe_and_the_resource_refuse_a_volume_claimed_from_a_restricted_namespace(self) -> None:
        for tool in ("get", "describe"):
            with self.subTest(tool=tool):
                observation = self.attack(tool, mode="read-only", resourceType="pv", name="shared-archive")
                self.assertRefused(observation, reads_only=True)
                self.assertIn("restricted", observation.text)
                self.assertHidden(observation)
        uri = "k8s://_current/_cluster/persistentvolumes/shared-archive"
        with self.session() as mcp:
            observation = self.observe(lambda: mcp.read_resource(uri), {"uri": uri})
        self.assertHolds(observation, reads_only=True)
        self.assertTrue(observation.protocol_error is not None or observation.is_tool_error, observation.text)
        self.assertHidden(observation)

    def test_a_volume_claimed_from_an_allowed_namespace_is_shown(self) -> None:
        observation = self.attack("get", mode="read-only", resourceType="pv", name="catalog-cache")
        self.assertHolds(observation, reads_only=True)
        self.assertIn("cache-claim", observation.text)

    def test_lists_leave_out_objects_that_name_restricted_namespaces(self) -> None:
        for kind, kept, dropped in (
            ("persistentvolumes", "catalog-cache", "shared-archive"),
            ("clusterrolebindings", "catalog-readers", "backup-readers"),
        ):
            with self.subTest(kind=kind):
                observation = self.attack("list", mode="read-only", resourceType=kind)
                self.assertHolds(observation, reads_only=True)
                self.assertIn(kept, observation.text)
                self.assertNotIn(dropped, observation.text)
                self.assertHidden(observation)
        observation = self.attack("list", mode="read-only", resourceType="rolebindings", namespace="catalog")
        self.assertHolds(observation, reads_only=True)
        self.assertNotIn("ledger-access", observation.text)
        self.assertHidden(observation)

    def test_a_binding_in_an_allowed_namespace_to_a_restricted_one_s_account_is_refused(self) -> None:
        observation = self.attack(
            "get", mode="read-only", resourceType="rolebindings", name="ledger-access", namespace="catalog"
        )
        self.assertRefused(observation, reads_only=True)
        self.assertHidden(observation)

    def test_completion_does_not_offer_them(self) -> None:
        reference = ResourceTemplateReference(type="ref/resource", uri=OBJECT_TEMPLATE)
        for kind, kept, dropped in (
            ("persistentvolumes", "catalog-cache", "shared-archive"),
            ("clusterrolebindings", "catalog-readers", "backup-readers"),
        ):
            context = {"namespace": "_cluster", "resourceType": kind}
            with self.session() as mcp:
                observation = self.observe(
                    lambda context=context: mcp.complete(reference, {"name": "name", "value": ""}, context), context
                )
            self.assertHolds(observation, reads_only=True)
            values = observation.result.completion.values
            self.assertIn(kept, values)
            self.assertNotIn(dropped, values)

    def test_a_write_cannot_make_an_object_name_a_restricted_namespace(self) -> None:
        manifest = volume("planted-volume", "payments", "ledger-db")
        observation = self.attack("apply", manifest=manifest)
        self.assertRefused(observation)
        self.assertIsNone(self.fake.get_object("persistentvolumes", None, "planted-volume"))
        patch = {"spec": {"claimRef": {"namespace": "payments", "name": "ledger-db"}}}
        observation = self.attack("patch", resourceType="pv", name="catalog-cache", patch=patch)
        self.assertRefused(observation)
        self.assertEqual(
            self.stored("persistentvolumes", None, "catalog-cache")["spec"]["claimRef"]["namespace"], "catalog"
        )
        json_patch = [{"op": "replace", "path": "/spec/claimRef/namespace", "value": "kube-system"}]
        observation = self.attack("patch", resourceType="pv", name="catalog-cache", patch=json_patch, patchType="json")
        self.assertRefused(observation)
        self.assertEqual(
            self.stored("persistentvolumes", None, "catalog-cache")["spec"]["claimRef"]["namespace"], "catalog"
        )

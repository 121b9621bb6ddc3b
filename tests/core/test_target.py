"""Target resolution in one step: kind, verb, name, namespace, default namespace and audit target."""

from __future__ import annotations

import unittest
from types import SimpleNamespace
from typing import Any

from k8stools.apirequest import PODS
from k8stools.kube import ResourceType
from k8stools.names import InvalidName
from k8stools.tools.call import AuditTarget
from k8stools.tools.errors import ToolInputError
from k8stools.tools.target import fixed_target, resolve_target

KINDS = [
    ResourceType("", "v1", "pods", "Pod", True, frozenset({"get", "list", "delete"}), "pod", ("po",)),
    ResourceType("", "v1", "nodes", "Node", False, frozenset({"get", "list"}), "node", ("no",)),
    ResourceType("", "v1", "namespaces", "Namespace", False, frozenset({"get", "list"}), "namespace", ("ns",)),
    ResourceType("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False, frozenset({"get"})),
]


class Discovery:
    def resource_types(self, *, refresh: bool = False) -> list[ResourceType]:
        return KINDS


class Call:
    """What resolve_target uses of a ToolCall: the configuration's default namespace, and `aim`."""

    def __init__(self) -> None:
        self.config = SimpleNamespace(default_namespace="shop")
        self.target = AuditTarget()

    def aim(self, **parts: Any) -> None:
        for key, value in parts.items():
            setattr(self.target, key, value)


class ResolveTargetTests(unittest.TestCase):
    def resolve(self, *args: Any, **kwargs: Any) -> tuple[Any, Call]:
        call = Call()
        return resolve_target(call, Discovery(), *args, **kwargs), call  # type: ignore[arg-type]

    def test_it_resolves_the_kind_and_the_default_namespace_and_records_the_audit_target(self) -> None:
        target, call = self.resolve("po", verb="get", name="web-1")
        self.assertEqual((target.kind.name, target.namespace, target.name), ("pods", "shop", "web-1"))
        self.assertEqual(target.request().path, "/api/v1/namespaces/shop/pods/web-1")
        self.assertEqual((call.target.namespace, call.target.kind, call.target.name), ("shop", "pods", "web-1"))

    def test_a_cluster_scoped_kind_has_no_namespace(self) -> None:
        target, call = self.resolve("nodes", verb="get", name="worker-1", namespace="payments")
        self.assertIsNone(target.namespace)
        self.assertEqual(target.request().path, "/api/v1/nodes/worker-1")
        self.assertEqual(call.target.namespace, "")

    def test_it_refuses_a_hostile_name_or_namespace_before_recording_anything(self) -> None:
        for arguments in (
            {"name": "../../payments/secrets/db-credentials?", "namespace": "catalog"},
            {"name": "web", "namespace": "catalog/../payments"},
            {"name": "web\u2024\u2024"},
            {"name": "web", "namespace": "shop%2F.."},
        ):
            call = Call()
            with self.subTest(arguments=arguments), self.assertRaises(InvalidName):
                resolve_target(call, Discovery(), "pods", verb="get", **arguments)  # type: ignore[arg-type]
            self.assertEqual(call.target, AuditTarget())
        with self.assertRaises(InvalidName):
            self.resolve("namespaces", verb="get", name="a.b")

    def test_it_refuses_a_verb_the_kind_does_not_serve(self) -> None:
        with self.assertRaisesRegex(ToolInputError, "does not support 'delete'"):
            self.resolve("nodes", verb="delete", name="worker-1")

    def test_rbac_kinds_take_their_own_names(self) -> None:
        target, _ = self.resolve("clusterroles", verb="get", name="system:controller:job-controller")
        self.assertEqual(
            target.request().path,
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/system%3Acontroller%3Ajob-controller",
        )

    def test_lists_follow_the_list_scope(self) -> None:
        target, _ = self.resolve("pods", verb="list", namespace="web", all_namespaces=True)
        self.assertIsNone(target.namespace)
        self.assertEqual(target.collection().path, "/api/v1/pods")
        self.assertEqual(target.scope.notes, ("allNamespaces is set; namespace 'web' was ignored",))

    def test_a_fixed_kind_needs_no_discovery(self) -> None:
        call = Call()
        target = fixed_target(call, PODS, name="web", namespace=None)  # type: ignore[arg-type]
        self.assertEqual(target.request(subresource="log").path, "/api/v1/namespaces/shop/pods/web/log")
        with self.assertRaises(InvalidName):
            fixed_target(call, PODS, name="web", namespace="shop/..")  # type: ignore[arg-type]

"""Data that spans namespaces under restricted namespaces: the pure filters, and the guard's use of them."""

from __future__ import annotations

import unittest
from typing import Any

from k8stools.apirequest import FixedKind, resource_request
from k8stools.guard import GuardedClient
from k8stools.namespace_filters import (
    body_namespaces,
    log_file_namespace,
    node_log_refusal,
    referenced_namespaces,
    references_restricted,
    summary_without_restricted,
    visible_log_entries,
    withheld_note,
)
from k8stools.policy import Policy, PolicyDenied
from tests.core.test_guard import RecordingClient

EVENTS = FixedKind("", "v1", "events")
VOLUMES = FixedKind("", "v1", "persistentvolumes")

RESTRICTED = Policy(restricted_namespaces=frozenset({"payments", "kube-system"}))
OPEN = Policy()


class LogFileNamespaceTests(unittest.TestCase):
    def test_it_reads_the_namespace_from_a_container_log_file_name(self) -> None:
        self.assertEqual(log_file_namespace("containers/ledger-0_payments_main-0a1b2c.log"), "payments")
        self.assertEqual(log_file_namespace("containers/web-1_default_nginx-ff00.log"), "default")

    def test_it_reads_the_namespace_from_a_pod_log_directory(self) -> None:
        self.assertEqual(log_file_namespace("pods/payments_ledger-0_3f1c-99"), "payments")
        self.assertEqual(log_file_namespace("pods/kube-system_etcd-0_77aa/etcd/0.log"), "kube-system")

    def test_it_does_not_guess_a_namespace_from_a_name_of_another_shape(self) -> None:
        for file in (
            "containers/ledger.log",
            "containers/a_b_c_d.log",
            "containers/a__c.log",
            "containers/ledger_Payments_main-1.log",
            "pods/payments",
            "kubelet.log",
            "syslog",
            "containers",
        ):
            with self.subTest(file=file):
                self.assertIsNone(log_file_namespace(file))


class NodeLogRefusalTests(unittest.TestCase):
    def test_every_file_may_be_read_when_nothing_is_restricted(self) -> None:
        for file in ("kubelet.log", "syslog", "containers/ledger-0_payments_main-1.log", "journal/x"):
            self.assertIsNone(node_log_refusal(file, OPEN))

    def test_it_refuses_the_logs_of_pods_in_restricted_namespaces(self) -> None:
        refusal = node_log_refusal("containers/ledger-0_payments_main-0a1b2c.log", RESTRICTED)
        self.assertEqual(refusal, 'access to namespace "payments" is restricted by the server policy')
        self.assertIsNotNone(node_log_refusal("pods/kube-system_etcd-0_77aa/etcd/0.log", RESTRICTED))
        self.assertIsNotNone(node_log_refusal("pods/payments_ledger-0_3f1c", RESTRICTED))

    def test_it_allows_the_logs_of_pods_in_other_namespaces_and_the_listings(self) -> None:
        self.assertIsNone(node_log_refusal("containers/web-1_default_nginx-ff00.log", RESTRICTED))
        self.assertIsNone(node_log_refusal("pods/default_web-1_77aa/nginx/0.log", RESTRICTED))
        for listing in ("", "containers", "pods"):
            self.assertIsNone(node_log_refusal(listing, RESTRICTED))

    def test_it_refuses_a_pod_log_whose_namespace_cannot_be_told(self) -> None:
        refusal = node_log_refusal("containers/ledger.log", RESTRICTED)
        self.assertIn("cannot be told from its name", refusal or "")

    def test_it_refuses_node_wide_logs_that_name_pods_of_every_namespace(self) -> None:
        for file in ("kubelet.log", "syslog", "journal/system.journal", "Containers/ledger-0_default_main-1.log"):
            with self.subTest(file=file):
                self.assertIn("node-wide log", node_log_refusal(file, RESTRICTED) or "")


class VisibleLogEntriesTests(unittest.TestCase):
    def test_container_log_entries_of_restricted_or_unknown_namespaces_are_withheld(self) -> None:
        names = ["web-1_default_nginx-ff00.log", "ledger-0_payments_main-0a1b.log", "odd.log"]
        self.assertEqual(visible_log_entries("containers", names, RESTRICTED), (["web-1_default_nginx-ff00.log"], 2))
        self.assertEqual(visible_log_entries("containers", names, OPEN), (names, 0))

    def test_pod_directories_are_filtered_by_their_namespace(self) -> None:
        names = ["default_web-1_11/", "kube-system_etcd-0_22/"]
        self.assertEqual(visible_log_entries("pods", names, RESTRICTED), (["default_web-1_11/"], 1))

    def test_other_listings_are_kept(self) -> None:
        names = ["containers/", "kubelet.log", "pods/", "syslog"]
        self.assertEqual(visible_log_entries("", names, RESTRICTED), (names, 0))
        self.assertEqual(visible_log_entries("pods/default_web-1_11", ["nginx/"], RESTRICTED), (["nginx/"], 0))


class SummaryTests(unittest.TestCase):
    summary: dict[str, Any] = {
        "node": {"nodeName": "worker-1"},
        "pods": [
            {"podRef": {"name": "web-1", "namespace": "default"}},
            {"podRef": {"name": "ledger-0", "namespace": "payments"}},
            {"podRef": {"name": "nameless"}},
        ],
    }

    def test_it_drops_pods_of_restricted_namespaces_and_pods_of_no_namespace(self) -> None:
        visible, withheld = summary_without_restricted(self.summary, RESTRICTED)
        self.assertEqual([pod["podRef"]["name"] for pod in visible["pods"]], ["web-1"])
        self.assertEqual(withheld, 2)
        self.assertEqual(len(self.summary["pods"]), 3)

    def test_it_keeps_everything_when_nothing_is_restricted(self) -> None:
        self.assertEqual(summary_without_restricted(self.summary, OPEN), (self.summary, 0))

    def test_the_note_says_what_was_withheld_and_nothing_when_nothing_was(self) -> None:
        self.assertEqual(withheld_note(0, "pods were"), "")
        self.assertIn("2 pods were withheld by the server policy", withheld_note(2, "pods were"))


def event(namespace: str, about: str, *, field: str = "involvedObject") -> dict[str, Any]:
    return {"metadata": {"name": f"{about}.1", "namespace": namespace}, field: {"kind": "Pod", "namespace": about}}


class EventReferenceTests(unittest.TestCase):
    restricted = frozenset({"payments"})

    def test_an_event_about_an_object_in_a_restricted_namespace_is_restricted(self) -> None:
        self.assertTrue(references_restricted(event("default", "payments"), self.restricted))
        self.assertTrue(references_restricted(event("default", "payments", field="regarding"), self.restricted))
        self.assertTrue(references_restricted(event("default", "payments", field="related"), self.restricted))
        self.assertFalse(references_restricted(event("default", "default"), self.restricted))

    def test_the_guard_drops_such_events_from_lists_even_in_an_allowed_namespace(self) -> None:
        listing = {"kind": "EventList", "items": [event("default", "default"), event("default", "payments")]}
        guard = GuardedClient(RecordingClient(listing), policy=RESTRICTED, operation="events")  # type: ignore[arg-type]
        result = guard.request(resource_request(EVENTS, namespace="default"))
        self.assertEqual([item["involvedObject"]["namespace"] for item in result["items"]], ["default"])

    def test_the_guard_refuses_one_such_event(self) -> None:
        guard = GuardedClient(
            RecordingClient(event("default", "payments")),
            policy=RESTRICTED,
            operation="get",  # type: ignore[arg-type]
        )
        with self.assertRaises(PolicyDenied):
            guard.request(resource_request(EVENTS, namespace="default", name="payments.1"))


class ReferenceTests(unittest.TestCase):
    restricted = frozenset({"payments", "kube-system"})

    def test_it_finds_the_namespaces_cluster_scoped_objects_name(self) -> None:
        service = {"namespace": "payments", "name": "hook"}
        cases = {
            "a volume's claim": {"spec": {"claimRef": {"namespace": "payments", "name": "db"}}},
            "a binding's subjects": {"subjects": [{"kind": "User", "name": "ann"}, {"namespace": "payments"}]},
            "a webhook's service": {
                "webhooks": [{"clientConfig": {"url": "https://x"}}, {"clientConfig": {"service": service}}]
            },
            "an APIService's service": {"spec": {"service": service}},
            "a CRD's conversion webhook": {"spec": {"conversion": {"webhook": {"clientConfig": {"service": service}}}}},
        }
        for what, item in cases.items():
            with self.subTest(what):
                self.assertEqual(referenced_namespaces(item), {"payments"})
                self.assertTrue(references_restricted(item, self.restricted))

    def test_hostile_shapes_neither_crash_nor_hide_a_reference(self) -> None:
        item = {
            "subjects": [
                None,
                "payments",
                {"namespace": ["payments"]},
                {"namespace": {"a": 1}},
                {"namespace": "kube-system"},
            ],
            "spec": {"claimRef": "payments", "service": [{"namespace": "payments"}]},
            "webhooks": {"clientConfig": {"service": {"namespace": "payments"}}},
        }
        self.assertEqual(referenced_namespaces(item), {"kube-system"})
        self.assertEqual(referenced_namespaces({"spec": None, "subjects": None}), set())

    def test_a_write_s_body_names_every_namespace_at_any_depth_and_in_json_patches(self) -> None:
        self.assertEqual(
            body_namespaces({"a": [{"b": {"namespace": "payments"}}], "namespace": "x"}), {"payments", "x"}
        )
        patch = [{"op": "replace", "path": "/spec/claimRef/namespace", "value": "kube-system"}]
        self.assertEqual(body_namespaces(patch), {"kube-system"})
        self.assertEqual(body_namespaces({"metadata": {"labels": {"namespace-ish": "payments"}}}), set())

    def test_free_form_maps_are_data_even_with_a_key_called_namespace(self) -> None:
        config = {
            "kind": "ConfigMap",
            "metadata": {"name": "c", "labels": {"namespace": "payments"}, "annotations": {"namespace": "payments"}},
            "data": {"namespace": "payments"},
            "stringData": {"namespace": "payments"},
        }
        self.assertEqual(body_namespaces(config), set())
        self.assertEqual(body_namespaces({"spec": {"claimRef": {"namespace": "payments"}}, "data": {}}), {"payments"})

    def test_the_guard_refuses_a_volume_claimed_from_a_restricted_namespace(self) -> None:
        volume = {
            "kind": "PersistentVolume",
            "metadata": {"name": "v"},
            "spec": {"claimRef": {"namespace": "payments"}},
        }
        guard = GuardedClient(RecordingClient(volume), policy=RESTRICTED, operation="get")  # type: ignore[arg-type]
        with self.assertRaises(PolicyDenied):
            guard.request(resource_request(VOLUMES, name="v"))
        open_guard = GuardedClient(RecordingClient(volume), policy=OPEN, operation="get")  # type: ignore[arg-type]
        self.assertEqual(open_guard.request(resource_request(VOLUMES, name="v")), volume)

    def test_the_guard_keeps_table_rows_of_a_referencing_kind_only_with_their_whole_objects(self) -> None:
        def row(name: str, found: dict[str, Any] | None) -> dict[str, Any]:
            return {"cells": [name], **({"object": found} if found is not None else {})}

        whole = {"kind": "PersistentVolume", "metadata": {"name": "a"}, "spec": {"claimRef": {"namespace": "catalog"}}}
        claimed = {
            "kind": "PersistentVolume",
            "metadata": {"name": "b"},
            "spec": {"claimRef": {"namespace": "payments"}},
        }
        partial = {"kind": "PartialObjectMetadata", "metadata": {"name": "c"}}
        table = {"kind": "Table", "rows": [row("a", whole), row("b", claimed), row("c", partial), row("d", None)]}
        guard = GuardedClient(RecordingClient(table), policy=RESTRICTED, operation="list")  # type: ignore[arg-type]
        result = guard.request(resource_request(VOLUMES))
        self.assertEqual([r["cells"][0] for r in result["rows"]], ["a"])

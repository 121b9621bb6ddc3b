"""Label and field selectors, and `limit`/`continue` paging."""

from __future__ import annotations

import json
import urllib.request

from fakekube import FakeCluster

from .base import FakeClusterTestCase


class SelectorTests(FakeClusterTestCase):
    @classmethod
    def make_cluster(cls) -> FakeCluster:
        cluster = FakeCluster()
        pods = [
            ("a", {"app": "web", "tier": "front"}, "Running", "n1"),
            ("b", {"app": "web", "tier": "back"}, "Running", "n2"),
            ("c", {"app": "db"}, "Pending", ""),
            ("d", {"app": "cache", "legacy": "yes"}, "Succeeded", "n1"),
        ]
        for name, labels, phase, node in pods:
            cluster.add_object(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": name, "namespace": "sel", "labels": labels},
                    "spec": {"containers": [{"name": "c", "image": "x"}], **({"nodeName": node} if node else {})},
                    "status": {"phase": phase, **({"podIP": f"10.0.0.{ord(name)}"} if node else {})},
                }
            )
        for index in range(25):
            cluster.add_object(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": f"cm-{index:02d}", "namespace": "paging"},
                }
            )
        cluster.add_object(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "tls", "namespace": "sel"},
                "type": "kubernetes.io/tls",
            }
        )
        cluster.add_object(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": "e1", "namespace": "sel"},
                "involvedObject": {"kind": "Pod", "name": "a", "namespace": "sel"},
                "reason": "BackOff",
                "type": "Warning",
            }
        )
        return cluster

    def names(self, **kwargs: str) -> list[str]:
        return [p.metadata.name for p in self.core.list_namespaced_pod("sel", **kwargs).items]

    def test_it_filters_by_equality_and_inequality(self) -> None:
        self.assertEqual(self.names(label_selector="app=web"), ["a", "b"])
        self.assertEqual(self.names(label_selector="app==web,tier=back"), ["b"])
        self.assertEqual(self.names(label_selector="app!=web"), ["c", "d"])

    def test_it_filters_by_set_membership_and_existence(self) -> None:
        self.assertEqual(self.names(label_selector="app in (db,cache)"), ["c", "d"])
        self.assertEqual(self.names(label_selector="app notin (web)"), ["c", "d"])
        self.assertEqual(self.names(label_selector="tier"), ["a", "b"])
        self.assertEqual(self.names(label_selector="!tier,!legacy"), ["c"])

    def test_it_rejects_a_malformed_label_selector(self) -> None:
        with self.assertApiError(400, "BadRequest"):
            self.core.list_namespaced_pod("sel", label_selector="app in web")

    def test_it_filters_pods_by_the_fields_the_real_server_indexes(self) -> None:
        self.assertEqual(self.names(field_selector="status.phase=Running"), ["a", "b"])
        self.assertEqual(self.names(field_selector="spec.nodeName=n1,status.phase!=Succeeded"), ["a"])
        self.assertEqual(self.names(field_selector="metadata.name=c"), ["c"])
        self.assertEqual(self.names(field_selector="spec.nodeName="), ["c"])
        all_namespaces = self.core.list_pod_for_all_namespaces(field_selector="metadata.namespace=sel")
        self.assertEqual(len(all_namespaces.items), 4)

    def test_it_filters_events_and_secrets_by_their_fields(self) -> None:
        events = self.core.list_namespaced_event("sel", field_selector="involvedObject.name=a,type=Warning")
        self.assertEqual([e.metadata.name for e in events.items], ["e1"])
        secrets = self.core.list_namespaced_secret("sel", field_selector="type=kubernetes.io/tls")
        self.assertEqual([s.metadata.name for s in secrets.items], ["tls"])

    def test_it_refuses_an_unsupported_field_label(self) -> None:
        with self.assertApiError(400, "BadRequest") as error:
            self.core.list_namespaced_pod("sel", field_selector="spec.containers=x")
        self.assertEqual(error.body["message"], "field label not supported: spec.containers")

    def test_it_pages_in_stable_name_order(self) -> None:
        seen, token, remaining = [], None, []
        while True:
            page = self.core.list_namespaced_config_map("paging", limit=10, _continue=token)
            seen += [c.metadata.name for c in page.items]
            remaining.append(page.metadata.remaining_item_count)
            token = page.metadata._continue
            if not token:
                break
        # The namespace's own kube-root-ca.crt sorts after the 25 made here.
        self.assertEqual(seen, [f"cm-{index:02d}" for index in range(25)] + ["kube-root-ca.crt"])
        self.assertEqual(remaining, [16, 6, None])

    def test_it_rejects_a_garbled_continue_token(self) -> None:
        with self.assertApiError(400, "BadRequest"):
            self.core.list_namespaced_config_map("paging", limit=5, _continue="not-a-token!")

    def test_it_accepts_a_resource_version_on_list_and_get(self) -> None:
        listed = self.core.list_namespaced_config_map("paging", resource_version="0")
        self.assertEqual(len(listed.items), 26)  # 25 and kube-root-ca.crt
        with urllib.request.urlopen(f"{self.running.url}/api/v1/namespaces/sel/pods/a?resourceVersion=0") as answer:
            self.assertEqual(json.loads(answer.read())["metadata"]["name"], "a")

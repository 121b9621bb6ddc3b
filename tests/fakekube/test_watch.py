"""`?watch=1` streams through the official client's `watch.Watch`."""

from __future__ import annotations

import json
import threading
import time
import urllib.request

from kubernetes import watch

from .base import FakeClusterTestCase


class WatchTests(FakeClusterTestCase):
    def test_a_watch_from_now_sees_added_modified_and_deleted(self) -> None:
        self.core.create_namespace({"metadata": {"name": "watched"}})
        version = self.core.list_namespaced_config_map("watched").metadata.resource_version

        def change() -> None:
            time.sleep(0.1)
            self.core.create_namespaced_config_map("watched", {"metadata": {"name": "w"}, "data": {"a": "1"}})
            self.core.patch_namespaced_config_map("w", "watched", {"data": {"a": "2"}})
            self.core.delete_namespaced_config_map("w", "watched")

        worker = threading.Thread(target=change)
        worker.start()
        events = []
        stream = watch.Watch()
        for event in stream.stream(
            self.core.list_namespaced_config_map, "watched", resource_version=version, timeout_seconds=3
        ):
            events.append((event["type"], event["object"].metadata.name, (event["object"].data or {}).get("a")))
            if len(events) == 3:
                stream.stop()
        worker.join()
        self.assertEqual(events, [("ADDED", "w", "1"), ("MODIFIED", "w", "2"), ("DELETED", "w", "2")])

    def test_a_watch_without_a_version_starts_with_the_current_objects(self) -> None:
        self.core.create_namespace({"metadata": {"name": "watched-initial"}})
        self.core.create_namespaced_config_map("watched-initial", {"metadata": {"name": "present"}})
        events = list(watch.Watch().stream(self.core.list_namespaced_config_map, "watched-initial", timeout_seconds=1))
        # Every namespace holds the root CA's ConfigMap from its start, as on a real cluster.
        self.assertEqual(
            [(e["type"], e["object"].metadata.name) for e in events],
            [("ADDED", "kube-root-ca.crt"), ("ADDED", "present")],
        )

    def test_a_watch_honours_selectors_and_ends_at_its_timeout(self) -> None:
        self.core.create_namespace({"metadata": {"name": "watched-selector"}})
        for name, tier in (("a", "web"), ("b", "db")):
            self.core.create_namespaced_config_map(
                "watched-selector", {"metadata": {"name": name, "labels": {"tier": tier}}}
            )
        started = time.monotonic()
        events = list(
            watch.Watch().stream(
                self.core.list_namespaced_config_map, "watched-selector", label_selector="tier=db", timeout_seconds=1
            )
        )
        self.assertLess(time.monotonic() - started, 3)
        self.assertEqual([e["object"].metadata.name for e in events], ["b"])

    def test_a_too_old_version_gets_an_expired_error_event(self) -> None:
        for index in range(3):
            self.cluster.add_object(
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"old-{index}", "namespace": "default"}}
            )
        oldest = self.cluster.store.oldest_resource_version()
        self.cluster.store.events.clear()
        self.cluster.add_object(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "newest", "namespace": "default"}}
        )
        response = self.core.list_namespaced_config_map(
            "default", watch=True, resource_version=str(oldest), timeout_seconds=1, _preload_content=False
        )
        line = response.readline()
        self.assertIn(b'"type":"ERROR"', line)
        self.assertIn(b'"code":410', line)

    def test_a_watch_asked_for_tables_streams_one_row_tables(self) -> None:
        self.core.create_namespace({"metadata": {"name": "watched-table"}})
        self.core.create_namespaced_config_map("watched-table", {"metadata": {"name": "t1"}, "data": {"a": "1"}})
        self.core.create_namespaced_config_map("watched-table", {"metadata": {"name": "t2"}})
        request = urllib.request.Request(
            f"{self.running.url}/api/v1/namespaces/watched-table/configmaps?watch=1&timeoutSeconds=1",
            headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"},
        )
        with urllib.request.urlopen(request) as response:
            events = [json.loads(line) for line in response.read().splitlines()]
        # kube-root-ca.crt (in every namespace) comes first, by name.
        self.assertEqual([e["object"]["kind"] for e in events], ["Table", "Table", "Table"])
        self.assertEqual(
            [e["object"]["rows"][0]["cells"][:2] for e in events], [["kube-root-ca.crt", 1], ["t1", 1], ["t2", 0]]
        )
        self.assertEqual([c["name"] for c in events[0]["object"]["columnDefinitions"]], ["Name", "Data", "Age"])
        self.assertEqual([e["object"]["columnDefinitions"] for e in events[1:]], [[], []])

    def test_a_streaming_list_ends_its_initial_events_with_a_bookmark(self) -> None:
        self.core.create_namespace({"metadata": {"name": "watched-stream"}})
        self.core.create_namespaced_config_map("watched-stream", {"metadata": {"name": "s1"}})
        url = (
            f"{self.running.url}/api/v1/namespaces/watched-stream/configmaps?watch=1&sendInitialEvents=true"
            "&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1"
        )
        with urllib.request.urlopen(url) as response:
            events = [json.loads(line) for line in response.read().splitlines()]
        # s1 and the namespace's kube-root-ca.crt, then the bookmark.
        self.assertEqual([e["type"] for e in events], ["ADDED", "ADDED", "BOOKMARK"])
        bookmark = events[-1]["object"]
        self.assertEqual(bookmark["metadata"]["annotations"], {"k8s.io/initial-events-end": "true"})
        self.assertEqual(bookmark["kind"], "ConfigMap")

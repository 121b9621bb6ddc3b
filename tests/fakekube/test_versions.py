"""Core and events.k8s.io Events are one set of objects seen through two shapes."""

from __future__ import annotations

import json

from kubernetes import client

from .base import FakeClusterTestCase


class EventVersionTests(FakeClusterTestCase):
    def setUp(self) -> None:
        self.events = client.EventsV1Api(self.api)

    def test_a_core_event_is_served_as_an_events_v1_event(self) -> None:
        self.core.create_namespaced_event("default", {
            "metadata": {"name": "ev-core"}, "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"},
            "reason": "BackOff", "message": "Back-off restarting", "type": "Warning", "count": 4,
            "source": {"component": "kubelet", "host": "worker-1"}, "reportingComponent": "kubelet"})
        # A legacy event has no eventTime, which events.k8s.io/v1 serves as null (the typed client refuses it).
        raw = self.events.read_namespaced_event("ev-core", "default", _preload_content=False)
        event = json.loads(raw.data)
        self.assertEqual((event["regarding"]["name"], event["note"], event["deprecatedCount"]),
                         ("web", "Back-off restarting", 4))
        self.assertEqual((event["deprecatedSource"]["host"], event["reportingController"]), ("worker-1", "kubelet"))
        self.assertIsNone(event["eventTime"])
        self.assertNotIn("involvedObject", event)
        raw = self.events.list_namespaced_event("default", field_selector="regarding.name=web", _preload_content=False)
        self.assertEqual([e["metadata"]["name"] for e in json.loads(raw.data)["items"]], ["ev-core"])

    def test_an_events_v1_event_is_stored_as_a_core_event(self) -> None:
        self.events.create_namespaced_event("default", {
            "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "ev-new"},
            "eventTime": "2026-01-01T00:00:00.000000Z", "reportingController": "example.com/ctl",
            "reportingInstance": "ctl-1", "action": "Scaling", "reason": "Scaled", "type": "Normal",
            "regarding": {"kind": "Deployment", "name": "web", "namespace": "default"}, "note": "scaled to 3"})
        core = self.core.read_namespaced_event("ev-new", "default")
        self.assertEqual((core.involved_object.name, core.message, core.reporting_component),
                         ("web", "scaled to 3", "example.com/ctl"))
        patched = self.events.patch_namespaced_event("ev-new", "default", {"note": "scaled to 4"})
        self.assertEqual(patched.note, "scaled to 4")
        self.assertEqual(self.cluster.get_object("events", "default", "ev-new")["message"], "scaled to 4")
        with self.assertApiError(404) as error:
            self.events.read_namespaced_event("ev-missing", "default")
        self.assertEqual(error.body["message"], 'events.events.k8s.io "ev-missing" not found')

"""One stored object served at several versions: core and events.k8s.io Events, autoscaling v1 and v2."""

from __future__ import annotations

import json

from kubernetes import client

from .base import FakeClusterTestCase


class EventVersionTests(FakeClusterTestCase):
    def setUp(self) -> None:
        self.events = client.EventsV1Api(self.api)

    def test_a_core_event_is_served_as_an_events_v1_event(self) -> None:
        self.core.create_namespaced_event(
            "default",
            {
                "metadata": {"name": "ev-core"},
                "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"},
                "reason": "BackOff",
                "message": "Back-off restarting",
                "type": "Warning",
                "count": 4,
                "source": {"component": "kubelet", "host": "worker-1"},
                "reportingComponent": "kubelet",
            },
        )
        # A legacy event has no eventTime, which events.k8s.io/v1 serves as null (the typed client refuses it).
        raw = self.events.read_namespaced_event("ev-core", "default", _preload_content=False)
        event = json.loads(raw.data)
        self.assertEqual(
            (event["regarding"]["name"], event["note"], event["deprecatedCount"]), ("web", "Back-off restarting", 4)
        )
        self.assertEqual((event["deprecatedSource"]["host"], event["reportingController"]), ("worker-1", "kubelet"))
        self.assertIsNone(event["eventTime"])
        self.assertNotIn("involvedObject", event)
        raw = self.events.list_namespaced_event("default", field_selector="regarding.name=web", _preload_content=False)
        self.assertEqual([e["metadata"]["name"] for e in json.loads(raw.data)["items"]], ["ev-core"])

    def test_an_events_v1_event_is_stored_as_a_core_event(self) -> None:
        self.events.create_namespaced_event(
            "default",
            {
                "apiVersion": "events.k8s.io/v1",
                "kind": "Event",
                "metadata": {"name": "ev-new"},
                "eventTime": "2026-01-01T00:00:00.000000Z",
                "reportingController": "example.com/ctl",
                "reportingInstance": "ctl-1",
                "action": "Scaling",
                "reason": "Scaled",
                "type": "Normal",
                "regarding": {"kind": "Deployment", "name": "web", "namespace": "default"},
                "note": "scaled to 3",
            },
        )
        core = self.core.read_namespaced_event("ev-new", "default")
        self.assertEqual(
            (core.involved_object.name, core.message, core.reporting_component),
            ("web", "scaled to 3", "example.com/ctl"),
        )
        patched = self.events.patch_namespaced_event("ev-new", "default", {"note": "scaled to 4"})
        self.assertEqual(patched.note, "scaled to 4")
        self.assertEqual(self.cluster.get_object("events", "default", "ev-new")["message"], "scaled to 4")
        with self.assertApiError(404) as error:
            self.events.read_namespaced_event("ev-missing", "default")
        self.assertEqual(error.body["message"], 'events.events.k8s.io "ev-missing" not found')


class AutoscalerVersionTests(FakeClusterTestCase):
    def test_an_autoscaler_created_at_v1_is_served_at_v2_and_back(self) -> None:
        client.AutoscalingV1Api(self.api).create_namespaced_horizontal_pod_autoscaler(
            "default",
            {
                "metadata": {"name": "web"},
                "spec": {
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                    "maxReplicas": 5,
                    "targetCPUUtilizationPercentage": 80,
                },
            },
        )
        v2 = client.AutoscalingV2Api(self.api).read_namespaced_horizontal_pod_autoscaler("web", "default")
        self.assertEqual((v2.spec.min_replicas, v2.spec.max_replicas), (1, 5))
        self.assertEqual(v2.spec.metrics[0].resource.target.average_utilization, 80)
        client.AutoscalingV2Api(self.api).patch_namespaced_horizontal_pod_autoscaler(
            "web",
            "default",
            {
                "spec": {
                    "metrics": [
                        {
                            "type": "Resource",
                            "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}},
                        }
                    ]
                }
            },
        )
        v1 = client.AutoscalingV1Api(self.api).read_namespaced_horizontal_pod_autoscaler("web", "default")
        self.assertEqual((v1.api_version, v1.spec.target_cpu_utilization_percentage), ("autoscaling/v1", 60))
        groups = {g.name: g for g in client.ApisApi(self.api).get_api_versions().groups}
        self.assertEqual(groups["autoscaling"].preferred_version.version, "v2")
        self.assertEqual([v.version for v in groups["autoscaling"].versions], ["v2", "v1"])

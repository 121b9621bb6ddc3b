from __future__ import annotations

import copy
from typing import Any
from unittest import TestCase

from k8stools.formatting.describe import render_describe
from tests.formatting import fixtures
from tests.formatting.fixtures import NOW, ago


def replica_set(name: str, *, revision: str, replicas: int) -> dict[str, Any]:
    return {
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": "default",
            "creationTimestamp": ago(hours=2),
            "annotations": {"deployment.kubernetes.io/revision": revision},
        },
        "spec": {"replicas": replicas},
        "status": {"replicas": replicas, "readyReplicas": replicas},
    }


class DescribePodTests(TestCase):
    def setUp(self) -> None:
        self.pod = fixtures.pods_in_many_states()[1]
        self.pod["spec"]["volumes"] = [
            {"name": "config", "configMap": {"name": "api-config"}},
            {"name": "tmp", "emptyDir": {}},
        ]
        self.events = [
            fixtures.event("Pulled", "Successfully pulled image", name="api-6b8d9c7f4-q7w2e", last_seen_minutes=20),
            fixtures.event(
                "BackOff",
                "Back-off restarting failed container api",
                name="api-6b8d9c7f4-q7w2e",
                type_="Warning",
                count=12,
                first_seen_minutes=90,
                last_seen_minutes=0.5,
            ),
        ]

    def test_it_starts_with_a_concise_header(self) -> None:
        lines = render_describe(self.pod, events=[], related={}, now=NOW).splitlines()
        self.assertEqual(
            lines[:8],
            [
                "Name:          api-6b8d9c7f4-q7w2e",
                "Namespace:     default",
                "Kind:          Pod (v1)",
                "Labels:        app=api",
                "               pod-template-hash=7d9f8b6c5",
                "Annotations:   <none>",
                "Created:       120m ago (2026-11-25T07:00:00Z)",
                "Controlled By: ReplicaSet/api-6b8d9c7f4",
            ],
        )

    def test_it_shows_node_status_and_each_container_state(self) -> None:
        text = render_describe(self.pod, events=[], related={}, now=NOW)
        self.assertIn("Node:            worker-1/10.0.0.11\n", text)
        self.assertIn("Status:          CrashLoopBackOff (phase Running)\n", text)
        self.assertIn("Restarts:        5 (12m ago)\n", text)
        self.assertIn(
            "Containers:\n"
            "  api:\n"
            "    Image:      registry.example.com/api:1.4.2\n"
            "    State:      Waiting (CrashLoopBackOff: CrashLoopBackOff for api)\n"
            "    Last State: Terminated (Error, exit code 1, finished 12m ago)\n"
            "    Ready:      False\n"
            "    Restarts:   5\n",
            text,
        )
        self.assertIn("Conditions:\n  TYPE          STATUS\n  Initialized   True\n  Ready         False\n", text)
        self.assertIn("Volumes: config (configMap api-config), tmp (emptyDir)", text)

    def test_it_ends_with_events_newest_first_with_counts(self) -> None:
        text = render_describe(self.pod, events=self.events, related={}, now=NOW)
        self.assertTrue(
            text.endswith(
                "Events:\n"
                "  TYPE     REASON   AGE                 FROM               MESSAGE\n"
                "  Warning  BackOff  30s (x12 over 90m)  kubelet, worker-1  Back-off restarting failed container api\n"
                "  Normal   Pulled   20m                 kubelet, worker-1  Successfully pulled image"
            )
        )

    def test_it_says_when_there_are_no_events(self) -> None:
        self.assertTrue(render_describe(self.pod, events=[], related={}, now=NOW).endswith("Events:  <none>"))

    def test_it_never_mutates_its_inputs(self) -> None:
        before = copy.deepcopy((self.pod, self.events))
        render_describe(self.pod, events=self.events, related={"Pods": [self.pod]}, now=NOW)
        self.assertEqual((self.pod, self.events), before)

    def test_it_marks_sidecars_among_init_containers(self) -> None:
        pod = fixtures.pod(
            "api-0",
            init_containers=[{"name": "proxy", "image": "envoy:1", "restartPolicy": "Always"}],
            init_statuses=[fixtures.running("proxy")],
        )
        text = render_describe(pod, events=[], related={}, now=NOW)
        self.assertIn("Init Containers:\n  proxy (sidecar):\n    Image:    envoy:1\n", text)


class DescribeWorkloadTests(TestCase):
    def test_a_deployment_shows_replicas_strategy_template_and_replica_sets(self) -> None:
        deployment = fixtures.deployment(env_count=12)
        related = {
            "ReplicaSets": [
                replica_set("web-7d9f8b6c5", revision="4", replicas=3),
                replica_set("web-5f6e7d8c9", revision="3", replicas=0),
            ],
            "Pods": fixtures.pods_in_many_states()[:2],
        }
        text = render_describe(deployment, events=[], related=related, now=NOW)
        self.assertIn("Replicas:    3 desired | 3 updated | 3 total | 3 available | 0 unavailable\n", text)
        self.assertIn("Strategy:    RollingUpdate (max surge 25%, max unavailable 25%)\n", text)
        self.assertIn("Selector:    app=web\n", text)
        self.assertIn("Annotations: team: storefront\n", text)
        self.assertIn("      Environment: SETTING_0=value-0\n", text)
        self.assertIn("                   … 4 more\n", text)
        self.assertIn("NewReplicaSet:  web-7d9f8b6c5 (3/3 replicas created)\nOldReplicaSets: <none>\n", text)
        self.assertIn("Pods:\n  NAME                 READY  STATUS            RESTARTS     AGE   NODE\n", text)
        self.assertNotIn("last-applied", text)

    def test_a_daemonset_counts_scheduled_nodes(self) -> None:
        daemonset = {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "fluent-bit", "namespace": "logging", "creationTimestamp": ago(days=9)},
            "spec": {
                "selector": {"matchLabels": {"app": "fluent-bit"}},
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
                "template": {"metadata": {"labels": {"app": "fluent-bit"}}, "spec": {"containers": []}},
            },
            "status": {
                "desiredNumberScheduled": 4,
                "currentNumberScheduled": 4,
                "updatedNumberScheduled": 4,
                "numberAvailable": 3,
                "numberUnavailable": 1,
                "numberReady": 3,
            },
        }
        text = render_describe(daemonset, events=[], related={}, now=NOW)
        self.assertIn("Replicas: 4 desired | 4 updated | 4 total | 3 available | 1 unavailable\n", text)
        self.assertIn("Strategy: RollingUpdate (max unavailable 1)\n", text)


class DescribeOtherKindsTests(TestCase):
    def test_a_service_shows_ports_selector_and_endpoints(self) -> None:
        endpoints = {
            "subsets": [{"addresses": [{"ip": "10.244.1.5"}, {"ip": "10.244.2.7"}], "ports": [{"port": 8080}]}]
        }
        text = render_describe(
            fixtures.service(type_="LoadBalancer"), events=[], related={"Endpoints": [endpoints]}, now=NOW
        )
        self.assertIn(
            "Type:        LoadBalancer\n"
            "IP:          10.96.12.34\n"
            "External IP: 203.0.113.10\n"
            "Ports:       http 80/TCP -> 8080 (node port 31080)\n"
            "Selector:    app=web\n"
            "Endpoints:   10.244.1.5:8080,10.244.2.7:8080\n",
            text,
        )

    def test_a_node_shows_conditions_capacity_and_running_pods(self) -> None:
        pods = fixtures.pods_in_many_states()
        text = render_describe(fixtures.node("worker-1", roles=("worker",)), events=[], related={"Pods": pods}, now=NOW)
        self.assertIn("Roles:         worker\n", text)
        self.assertIn("  Ready           True    KubeletReady                kubelet is posting ready status\n", text)
        self.assertIn("Capacity:            cpu=4, memory=16318480Ki, pods=110\n", text)
        self.assertIn("System Info:         kubelet v1.34.2, OS Ubuntu 24.04.1 LTS", text)
        self.assertIn("Non-terminated Pods: 4\n", text)

    def test_a_secret_shows_key_sizes_never_values(self) -> None:
        text = render_describe(fixtures.secret(), events=[], related={}, now=NOW)
        self.assertIn("Data:\n  password: 21 bytes", text)
        for value in fixtures.SECRET_VALUES:
            self.assertNotIn(value, text)

    def test_a_custom_resource_shows_its_slim_spec_and_status_as_yaml(self) -> None:
        text = render_describe(
            fixtures.certificate("shop", ready=False, reason="Issuing"), events=[], related={}, now=NOW
        )
        self.assertIn(
            "spec:\n  secretName: shop-tls\n  dnsNames:\n  - shop.example.com\nstatus:\n  conditions:\n  - type: Ready\n",
            text,
        )
        self.assertNotIn("lastTransitionTime", text)

    def test_empty_related_sections_say_none(self) -> None:
        text = render_describe(fixtures.service(), events=[], related={"Pods": []}, now=NOW)
        self.assertIn("Pods:  <none>\n", text)

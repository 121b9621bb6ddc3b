"""Protobuf request bodies, which kubectl's typed clients send for `create <kind>`, `run` and `auth can-i`."""

from __future__ import annotations

import base64
import json
import ssl
import urllib.request

from fakekube import FakeCluster, RunningServer
from fakekube.protobuf import MAGIC

from .base import FakeClusterTestCase


def field(number: int, payload: bytes) -> bytes:
    return bytes([number << 3 | 2, len(payload)]) + payload


def post_protobuf(url: str, body: bytes, ca_pem: bytes) -> tuple[int, dict]:
    context = ssl.create_default_context(cadata=ca_pem.decode())
    request = urllib.request.Request(
        url,
        method="POST",
        data=body,
        headers={"Content-Type": "application/vnd.kubernetes.protobuf", "Authorization": "Bearer admin-token"},
    )
    try:
        with urllib.request.urlopen(request, context=context) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class ProtobufTests(FakeClusterTestCase):
    @classmethod
    def make_cluster(cls) -> FakeCluster:
        cluster = FakeCluster()
        cluster.require_auth({"admin-token": "admin", "alice-token": "alice"})
        cluster.grant("alice", verbs=["get", "list"], resources=["pods"], namespaces=["default"])
        return cluster

    @classmethod
    def serve(cls, cluster: FakeCluster) -> RunningServer:
        # kubectl sends bearer tokens only over TLS.
        return cluster.serve(tls=True)

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.running.write_kubeconfig(cls.kubeconfig, token="admin-token", extra_contexts=[("alice", "alice-token")])

    def test_kubectl_create_generators_are_decoded(self) -> None:
        self.kubectl("create", "deployment", "pb-web", "--image=nginx:1.27", "--replicas=3", "--port=80")
        self.kubectl("create", "configmap", "pb-config", "--from-literal=a=b")
        self.kubectl("create", "secret", "generic", "pb-secret", "--from-literal=password=hunter2")
        self.kubectl("create", "service", "clusterip", "pb-web", "--tcp=80:8080")
        self.kubectl("create", "cronjob", "pb-nightly", "--image=busybox", "--schedule=0 2 * * *", "--", "date")
        self.kubectl("create", "ingress", "pb-ing", "--rule=foo.com/bar=svc1:8080")
        self.assertIn("application/vnd.kubernetes.protobuf", {r.content_type for r in self.cluster.requests})
        deployment = self.cluster.get_object("deployments", "default", "pb-web", "apps")
        self.assertEqual(deployment["spec"]["replicas"], 3)
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        self.assertEqual((container["image"], container["ports"][0]["containerPort"]), ("nginx:1.27", 80))
        self.assertEqual(
            len(
                [
                    p
                    for p in self.cluster.list_objects("pods", "default")
                    if p["metadata"]["labels"].get("app") == "pb-web"
                ]
            ),
            3,
        )
        self.assertEqual(self.cluster.get_object("configmaps", "default", "pb-config")["data"], {"a": "b"})
        secret = self.cluster.get_object("secrets", "default", "pb-secret")
        self.assertEqual(base64.b64decode(secret["data"]["password"]), b"hunter2")
        port = self.cluster.get_object("services", "default", "pb-web")["spec"]["ports"][0]
        self.assertEqual((port["port"], port["targetPort"]), (80, 8080))
        cronjob = self.cluster.get_object("cronjobs", "default", "pb-nightly", "batch")
        self.assertEqual(cronjob["spec"]["schedule"], "0 2 * * *")
        rule = self.cluster.get_object("ingresses", "default", "pb-ing", "networking.k8s.io")["spec"]["rules"][0]
        self.assertEqual(rule["http"]["paths"][0]["backend"]["service"]["port"]["number"], 8080)

    def test_an_explicit_zero_is_kept(self) -> None:
        self.kubectl("create", "deployment", "pb-zero", "--image=nginx", "--replicas=0")
        self.assertEqual(self.cluster.get_object("deployments", "default", "pb-zero", "apps")["spec"]["replicas"], 0)

    def test_kubectl_auth_can_i_is_answered_from_the_grants(self) -> None:
        self.assertEqual(self.kubectl("auth", "can-i", "delete", "pods").stdout.strip(), "yes")
        self.assertEqual(self.kubectl("--context", "alice", "auth", "can-i", "list", "pods").stdout.strip(), "yes")
        refused = self.kubectl("--context", "alice", "auth", "can-i", "delete", "pods", check=False)
        self.assertEqual((refused.returncode, refused.stdout.strip()), (1, "no"))

    def test_a_field_the_fake_does_not_know_is_refused_not_dropped(self) -> None:
        metadata = field(1, b"odd")
        config_map = field(1, metadata) + bytes([0x98, 0x06, 1])  # field 99 (varint key 792), value 1
        envelope = field(1, field(1, b"v1") + field(2, b"ConfigMap")) + field(2, config_map)
        status, body = post_protobuf(
            f"{self.running.url}/api/v1/namespaces/default/configmaps", MAGIC + envelope, self.running.ca_pem
        )
        self.assertEqual((status, body["reason"]), (415, "UnsupportedMediaType"))
        self.assertIn("field 99 of ConfigMap", body["message"])
        self.assertIsNone(self.cluster.get_object("configmaps", "default", "odd"))

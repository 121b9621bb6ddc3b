"""The request model: every part validated where the value is built, every path laid out by one function."""

from __future__ import annotations

import unittest

from k8stools.apirequest import (
    NAMESPACES,
    NODES,
    PODS,
    FixedKind,
    group_version_request,
    node_proxy_request,
    nonresource,
    resource_request,
)
from k8stools.kube_streams import exec_request
from k8stools.names import (
    InvalidName,
    check_container_name,
    check_log_file_path,
    check_namespace,
    check_node_name,
    check_object_name,
)
from k8stools.tools.errors import ToolInputError

DEPLOYMENTS = FixedKind("apps", "v1", "deployments")
ROLES = FixedKind("rbac.authorization.k8s.io", "v1", "roles")
# Values an attacker sends for a name or a namespace; none is a valid name of any kind.
HOSTILE = (
    "",
    ".",
    "..",
    "../../payments/secrets/db-credentials?",
    "catalog/../payments",
    "web/exec",
    "a%2Fb",
    "%2e%2e",
    "web?dryRun=None",
    "web#",
    "web\x00",
    "web\n",
    "web\r\nHost: evil",
    "web\t",
    "web ",
    "web\\..\\x",
    "web\u2024\u2024",  # ONE DOT LEADER, a look-alike of "."
    "\u2024\u2024",
    "a\uff0fb",  # FULLWIDTH SOLIDUS, a look-alike of "/"
    "x" * 300,
)


class NameRuleTests(unittest.TestCase):
    def test_it_refuses_every_hostile_value_as_a_namespace_with_what_a_valid_one_looks_like(self) -> None:
        for value in HOSTILE:
            with self.subTest(value=value), self.assertRaisesRegex(InvalidName, "lower-case letters, digits and '-'"):
                check_namespace(value)

    def test_it_refuses_every_hostile_value_as_an_object_name_node_name_or_container(self) -> None:
        for value in HOSTILE:
            for check in (check_object_name, check_node_name, check_container_name):
                with self.subTest(value=value, check=check.__name__), self.assertRaises(ToolInputError):
                    check(value)

    def test_it_refuses_every_hostile_value_as_an_rbac_name(self) -> None:
        for value in HOSTILE:
            with self.subTest(value=value), self.assertRaises(InvalidName):
                check_object_name(value, group="rbac.authorization.k8s.io", resource="clusterroles")

    def test_it_accepts_the_names_kubernetes_accepts(self) -> None:
        self.assertEqual(check_namespace("kube-system"), "kube-system")
        self.assertEqual(check_object_name("web-1.example"), "web-1.example")
        self.assertEqual(check_object_name("x" * 253), "x" * 253)
        self.assertEqual(check_node_name("ip-10-0-0-1.ec2.internal"), "ip-10-0-0-1.ec2.internal")
        self.assertEqual(check_container_name("sidecar"), "sidecar")
        rbac = check_object_name(
            "system:controller:job-controller", group="rbac.authorization.k8s.io", resource="roles"
        )
        self.assertEqual(rbac, "system:controller:job-controller")

    def test_namespaces_are_labels_and_object_names_are_subdomains(self) -> None:
        for value in ("Kube_System", "a.b", "x" * 64, "-web", "web-"):
            with self.subTest(value=value), self.assertRaises(InvalidName):
                check_namespace(value)
        with self.assertRaises(InvalidName):
            check_object_name("Web")
        with self.assertRaises(InvalidName):
            check_object_name("a.b", group="", resource="namespaces")  # a Namespace's name is a namespace
        with self.assertRaises(InvalidName):
            check_container_name("a.b")

    def test_log_files_are_relative_paths_of_plain_segments(self) -> None:
        self.assertEqual(check_log_file_path("kubelet.log"), ("kubelet.log",))
        self.assertEqual(check_log_file_path("pods/app_1.log"), ("pods", "app_1.log"))
        for value in ("../etc/shadow", "pods/../../etc", "/etc/shadow", "a//b", ".", "a/./b", "a?b", "a%2F..", "a\x00"):
            with self.subTest(value=value), self.assertRaisesRegex(InvalidName, "plain path under /var/log"):
                check_log_file_path(value)
        with self.assertRaises(InvalidName):
            check_log_file_path("a" * 1025)

    def test_the_message_shows_a_control_character_escaped(self) -> None:
        with self.assertRaises(InvalidName) as raised:
            check_namespace("web\r\nHost: evil")
        self.assertNotIn("\n", str(raised.exception))
        self.assertIn("\\r\\n", str(raised.exception))


class ResourceRequestTests(unittest.TestCase):
    def test_it_lays_out_paths_of_every_shape(self) -> None:
        self.assertEqual(resource_request(PODS).path, "/api/v1/pods")
        self.assertEqual(resource_request(PODS, namespace="web").path, "/api/v1/namespaces/web/pods")
        self.assertEqual(
            resource_request(DEPLOYMENTS, namespace="web", name="api", subresource="scale").path,
            "/apis/apps/v1/namespaces/web/deployments/api/scale",
        )
        self.assertEqual(resource_request(NODES, namespace="ignored", name="n1").path, "/api/v1/nodes/n1")
        self.assertEqual(resource_request(NAMESPACES, name="payments").touched_namespace, "payments")
        self.assertEqual(group_version_request("apps", "v1").path, "/apis/apps/v1")
        self.assertEqual(group_version_request("", "v1").path, "/api/v1")
        self.assertEqual(nonresource("version").path, "/version")
        self.assertEqual(nonresource("openapi", "v3", "apis", "apps", "v1").path, "/openapi/v3/apis/apps/v1")
        self.assertEqual(node_proxy_request("n1", "stats", "summary").path, "/api/v1/nodes/n1/proxy/stats/summary")
        self.assertEqual(node_proxy_request("n1", "logs", directory=True).path, "/api/v1/nodes/n1/proxy/logs/")

    def test_it_refuses_hostile_names_and_namespaces_before_any_path_exists(self) -> None:
        for value in HOSTILE[1:]:
            with self.subTest(value=value):
                with self.assertRaises(InvalidName):
                    resource_request(PODS, namespace="catalog", name=value, subresource="log")
                with self.assertRaises(InvalidName):
                    resource_request(PODS, namespace=value)
                with self.assertRaises(InvalidName):
                    resource_request(ROLES, namespace="catalog", name=value)
                with self.assertRaises(InvalidName):
                    node_proxy_request(value, "stats", "summary")

    def test_it_refuses_hostile_subresources_and_subpaths(self) -> None:
        for value in ("exec/../../x", "..", "log?x", "Log", "", "scale#", "st\u2024tus"):
            with self.subTest(value=value), self.assertRaises(InvalidName):
                resource_request(PODS, namespace="web", name="api", subresource=value)
        for value in ("..", ".", "a/b", "a?b", "a%2F", ""):
            with self.subTest(value=value), self.assertRaises(InvalidName):
                node_proxy_request("n1", "logs", value)
        with self.assertRaises(InvalidName):
            resource_request(PODS, namespace="web", subresource="log")  # a subresource needs a name

    def test_it_refuses_hostile_kind_parts_and_methods(self) -> None:
        for kind in (FixedKind("apps/../..", "v1", "x"), FixedKind("", "v1/..", "pods"), FixedKind("", "v1", "pods/x")):
            with self.subTest(kind=kind), self.assertRaises(InvalidName):
                resource_request(kind)
        with self.assertRaises(InvalidName):
            resource_request(PODS, method="CONNECT")
        with self.assertRaises(InvalidName):
            nonresource("openapi", "..", "secrets")

    def test_the_query_is_data_that_cannot_reach_the_path(self) -> None:
        request = resource_request(
            PODS, namespace="web", query={"labelSelector": "app=a&dryRun=None#x", "limit": 5, "watch": True}
        )
        self.assertEqual(request.path, "/api/v1/namespaces/web/pods")
        self.assertEqual(request.query, (("labelSelector", "app=a&dryRun=None#x"), ("limit", "5"), ("watch", "true")))
        self.assertIn("labelSelector=app%3Da%26dryRun%3DNone%23x", request.url)
        with self.assertRaises(InvalidName):
            resource_request(PODS, query={"dry&Run": "x"})

    def test_with_query_replaces_a_key_given_again(self) -> None:
        request = resource_request(PODS, query=[("dryRun", "None"), ("limit", 1)]).with_query(("dryRun", "All"))
        self.assertEqual(request.query, (("limit", "1"), ("dryRun", "All")))

    def test_a_cluster_scoped_kind_drops_the_namespace(self) -> None:
        self.assertIsNone(resource_request(NODES, namespace="payments").namespace)

    def test_exec_requests_validate_the_container_and_carry_the_command_as_data(self) -> None:
        request = exec_request("web", "api", container="app", command=["sh", "-c", "a/../b?#"], tty=False, stdin=False)
        self.assertEqual(request.path, "/api/v1/namespaces/web/pods/api/exec")
        self.assertIn(("command", "a/../b?#"), request.query)
        with self.assertRaises(InvalidName):
            exec_request("web", "api", container="../x", command=["ls"], tty=False, stdin=False)

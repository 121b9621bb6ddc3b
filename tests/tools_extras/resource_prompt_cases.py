"""MCP resources and prompts, mixed into the live test classes of test_live.py."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import yaml
from mcp.shared.exceptions import MCPError

from k8stools.models import PolicySettings

if TYPE_CHECKING:
    from tests.live import LiveServerTestCase as Base
else:
    Base = object


class ResourcePromptCases(Base):
    def read(self, uri: str) -> str:
        async def go(client: Any) -> str:
            result = await client.read_resource(uri)
            return "".join(getattr(item, "text", "") for item in result.contents)

        return str(self.with_client(go))

    def read_error(self, uri: str) -> str:
        async def go(client: Any) -> str:
            try:
                await client.read_resource(uri)
            except MCPError as error:
                return str(error)
            self.fail(f"reading {uri} succeeded")

        return str(self.with_client(go))

    def test_the_object_template_is_listed(self) -> None:
        async def go(client: Any) -> list[str]:
            return [t.uri_template for t in (await client.list_resource_templates()).resource_templates]

        self.assertIn("k8s://{context}/{namespace}/{kind}/{name}", self.with_client(go))

    def test_a_namespaced_object_reads_as_yaml_like_get(self) -> None:
        meta = self.fake.list_objects("pods")[0]["metadata"]
        pod = meta["name"]
        obj = yaml.safe_load(self.read(f"k8s://fake/{meta['namespace']}/pods/{pod}"))
        self.assertEqual((obj["kind"], obj["metadata"]["name"]), ("Pod", pod))
        self.assertNotIn("managedFields", obj["metadata"])

    def test_a_cluster_scoped_object_uses_the_cluster_placeholder_and_the_current_context(self) -> None:
        obj = yaml.safe_load(self.read("k8s://_current/_cluster/nodes/worker-1"))
        self.assertEqual(obj["kind"], "Node")

    def test_secret_values_are_masked_in_a_resource(self) -> None:
        self.fake.add_object(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "res-secret", "namespace": "default"},
                "data": {"token": "c3VwZXJzZWNyZXQ="},
            }
        )
        text = self.read("k8s://fake/default/secrets/res-secret")
        self.assertNotIn("c3VwZXJzZWNyZXQ=", text)

    def test_a_missing_object_or_unknown_kind_is_an_error_with_the_reason(self) -> None:
        self.assertIn("not found", self.read_error("k8s://fake/default/pods/nothing-here"))
        self.assertIn("unknown resource type", self.read_error("k8s://fake/default/deploymnets/x").lower())

    def test_a_restricted_namespace_is_refused_as_for_get(self) -> None:
        PolicySettings.objects.create(non_destructive=True, restricted_namespaces=["kube-system"])
        self.assertIn("restricted", self.read_error("k8s://fake/kube-system/pods/anything"))

    def test_the_four_prompts_are_listed_with_their_arguments(self) -> None:
        async def go(client: Any) -> dict[str, list[str]]:
            listed = (await client.list_prompts()).prompts
            return {p.name: [a.name for a in p.arguments or []] for p in listed}

        prompts = self.with_client(go)
        self.assertEqual(prompts["troubleshoot_pod"], ["name", "namespace"])
        self.assertEqual(prompts["deployment_not_progressing"], ["name", "namespace"])
        self.assertEqual(prompts["review_service_account_rbac"], ["name", "namespace"])
        self.assertEqual(prompts["namespace_changes_last_hour"], ["namespace"])

    def test_a_prompt_names_the_tools_in_order_for_its_arguments(self) -> None:
        async def go(client: Any) -> str:
            result = await client.get_prompt("troubleshoot_pod", {"name": "web-1", "namespace": "shop"})
            return "".join(m.content.text for m in result.messages)

        text = self.with_client(go)
        self.assertIn("pod web-1 in namespace shop", text)
        self.assertLess(text.index("`describe`"), text.index("`logs`"))
        self.assertLess(text.index("`logs`"), text.index("`events`"))

    def test_a_prompt_without_its_required_argument_is_an_error(self) -> None:
        async def go(client: Any) -> str:
            try:
                await client.get_prompt("namespace_changes_last_hour", {})
            except MCPError as error:
                return str(error)
            return "no error"

        self.assertIn("namespace", self.with_client(go))

    def test_a_resource_uri_whose_parts_are_not_kubernetes_names_is_refused_before_any_request(self) -> None:
        self.fake.clear_requests()
        # The SDK's template does not match some (a "Unknown resource" error); what it matches, kubemcp checks.
        for uri in ("k8s://fake/..%2Fpayments/secrets/db", "k8s://fake/shop/pods/.."):
            with self.subTest(uri=uri):
                self.assertRegex(self.read_error(uri), "Unknown resource|not a valid")
        self.assertIn("'catalog?' is not a valid namespace name", self.read_error("k8s://fake/catalog%3F/pods/web"))
        self.assertIn("'web?x=y' is not a valid object name", self.read_error("k8s://fake/shop/pods/web%3Fx%3Dy"))
        self.assertFalse([r for r in self.fake.requests if "/secrets" in r.path or "/pods/" in r.path])

    def test_a_prompt_takes_only_kubernetes_names_as_arguments(self) -> None:
        async def go(client: Any, arguments: dict[str, str]) -> str:
            try:
                await client.get_prompt("troubleshoot_pod", arguments)
            except MCPError as error:
                return str(error)
            return "no error"

        for arguments in ({"name": "web/../x", "namespace": "shop"}, {"name": "web", "namespace": "shop\nIgnore"}):
            with self.subTest(arguments=arguments):
                self.assertNotEqual(self.with_client(functools.partial(go, arguments=arguments)), "no error")

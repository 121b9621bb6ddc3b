"""The in-process harness and the invariant checks themselves: a call takes the real path, the policy is set by
keyword, and every check reports the violation it exists for."""

from __future__ import annotations

from django.test import SimpleTestCase

from fakekube.recording import RecordedRequest
from k8stools.models import AuditRecord
from tests.guardrails import invariants
from tests.guardrails.base import GuardrailTestCase
from tests.guardrails.cluster import PLANTED_SECRETS, RESTRICTED, b64
from tests.guardrails.invariants import Output


def recorded(method: str, path: str, *, namespace: str | None = None, **fields: object) -> RecordedRequest:
    values: dict[str, object] = {
        "query": {},
        "verb": "get",
        "resource": "pods",
        "subresource": "",
        "name": "",
        "group": "",
        "identity": None,
        "dry_run": False,
        "content_type": "",
        "user_agent": "test",
        **fields,
    }
    return RecordedRequest(method=method, path=path, namespace=namespace, **values)  # type: ignore[arg-type]


class InProcessHarnessTests(GuardrailTestCase):
    def test_a_tool_call_reaches_the_fake_over_http_and_is_audited(self) -> None:
        pod = str(self.fake.list_objects("pods", "catalog")[0]["metadata"]["name"])
        with self.session() as mcp:
            arguments = {"resourceType": "pods", "name": pod, "namespace": "catalog"}
            observation = self.observe(lambda: mcp.call_tool("get", arguments), arguments)
        self.assertFalse(observation.is_tool_error, observation.text)
        self.assertIn(f"name: {pod}", observation.text)
        self.assertIn(f"/api/v1/namespaces/catalog/pods/{pod}", [request.path for request in observation.requests])
        self.assertEqual(list(AuditRecord.objects.values_list("tool", "namespace", "name")), [("get", "catalog", pod)])
        self.assertTrue(any("tool call" in line for line in self.logs.lines()), self.logs.lines())
        self.assertHolds(observation, reads_only=True)

    def test_the_policy_given_by_keyword_decides_what_is_listed(self) -> None:
        with self.session("read-only") as mcp:
            read_only = {tool.name for tool in mcp.list_tools()}
        with self.session("read-write") as mcp:
            read_write = {tool.name for tool in mcp.list_tools()}
        self.assertNotIn("scale", read_only)
        self.assertIn("scale", read_write)
        self.assertIn("get", read_only)

    def test_a_dry_run_scale_carries_dry_run_all_and_changes_nothing(self) -> None:
        before = self.stored("deployments", "catalog", "api", "apps")["spec"]["replicas"]
        with self.session("dry-run") as mcp:
            arguments = {"resourceType": "deployments", "name": "api", "namespace": "catalog", "replicas": before + 3}
            observation = self.observe(lambda: mcp.call_tool("scale", arguments), arguments, mode="dry-run")
        self.assertFalse(observation.is_tool_error, observation.text)
        self.assertTrue(any(invariants.is_write(request) for request in observation.requests))
        self.assertHolds(observation)
        self.assertEqual(self.stored("deployments", "catalog", "api", "apps")["spec"]["replicas"], before)

    def test_a_plainly_restricted_namespace_is_refused_before_any_request(self) -> None:
        with self.session() as mcp:
            arguments = {"resourceType": "secrets", "name": "planted-credentials", "namespace": "payments"}
            observation = self.observe(lambda: mcp.call_tool("get", arguments), arguments)
        self.assertTrue(observation.is_tool_error)
        self.assertIn("restricted", observation.text)
        self.assertHolds(observation, reads_only=True)


class InvariantCheckTests(SimpleTestCase):
    def test_a_request_into_a_restricted_namespace_or_its_namespace_object_is_reported(self) -> None:
        into = recorded("GET", "/api/v1/namespaces/payments/secrets/x", namespace="payments", resource="secrets")
        namespace_object = recorded("GET", "/api/v1/namespaces/kube-system", resource="namespaces", name="kube-system")
        elsewhere = recorded("GET", "/api/v1/namespaces/catalog/pods", namespace="catalog")
        found = invariants.restricted_requests([into, namespace_object, elsewhere], RESTRICTED)
        self.assertEqual(len(found), 2, found)

    def test_writes_are_reported_except_access_reviews_and_dry_run_writes_need_dry_run_all(self) -> None:
        patch = recorded("PATCH", "/apis/apps/v1/namespaces/catalog/deployments/api", verb="patch")
        review = recorded(
            "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", resource="selfsubjectaccessreviews"
        )
        exec_stream = recorded("GET", "/api/v1/namespaces/catalog/pods/a/exec", subresource="exec", verb="connect")
        dry = recorded("PATCH", "/apis/apps/v1/namespaces/catalog/deployments/api", query={"dryRun": "All"})
        self.assertEqual(len(invariants.writes([patch, review, exec_stream])), 2)
        self.assertEqual(len(invariants.writes_without_dry_run([patch, dry])), 1)

    def test_a_secret_value_in_any_output_is_reported_unless_the_caller_sent_it(self) -> None:
        secret = PLANTED_SECRETS["catalog"]
        outputs = [Output("the answer", f"password: {b64(secret)}"), Output("a log line", "nothing here")]
        self.assertEqual(len(invariants.leaked(outputs, {secret, b64(secret)})), 1)
        self.assertEqual(invariants.leaked(outputs, {b64(secret)}, unless_given=f'{{"patch": "{b64(secret)}"}}'), [])

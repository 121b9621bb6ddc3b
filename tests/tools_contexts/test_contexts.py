from __future__ import annotations

from k8stools.models import AuditRecord, UserKubeContext
from tests.live import LiveServerTestCase


class ContextToolsTests(LiveServerTestCase):
    seed = {"pods": 3, "namespaces": 1}
    extra_contexts = ("staging",)

    def test_it_lists_the_kubeconfig_contexts_and_marks_the_current_one(self) -> None:
        lines = self.text("context_list").splitlines()
        self.assertEqual(lines[0].split(), ["CURRENT", "NAME", "CLUSTER", "USER", "NAMESPACE"])
        rows = {line.split()[-4] if line.startswith("*") else line.split()[0]: line for line in lines[1:]}
        self.assertTrue(rows["fake"].startswith("*"))
        self.assertFalse(rows["staging"].startswith("*"))

    def test_context_use_switches_the_callers_own_default_and_is_audited(self) -> None:
        self.assertIn("Switched to context: staging", self.text("context_use", contextName="staging"))
        self.assertTrue(self.text("context_get_current").startswith("staging "))
        self.assertEqual(UserKubeContext.objects.get(user_key="local").context_name, "staging")
        record = AuditRecord.objects.filter(tool="context_use").latest("created")
        self.assertEqual((record.user, record.outcome, record.arguments), ("local", "ok", {"contextName": "staging"}))

    def test_an_unknown_context_is_refused_with_the_known_ones(self) -> None:
        message = self.error("context_use", contextName="prod")
        self.assertIn("unknown context 'prod'", message)
        self.assertIn("fake, staging", message)

    def test_the_deprecated_alias_is_callable_but_not_listed(self) -> None:
        self.assertTrue(self.text("kubernetes_context_get_current").startswith("fake "))

        async def names(client):  # type: ignore[no-untyped-def]
            return [tool.name for tool in (await client.list_tools()).tools]

        listed = self.with_client(names)
        self.assertIn("context_get_current", listed)
        self.assertNotIn("kubernetes_context_get_current", listed)

    def test_a_misspelled_argument_gets_a_correction(self) -> None:
        message = self.error("context_use", contextname="staging")
        self.assertIn("unknown argument 'contextname'; did you mean 'contextName'?", message)
        self.assertEqual(AuditRecord.objects.filter(tool="context_use", outcome="error").count(), 1)

    def test_the_audit_record_names_the_context_the_call_resolved_to(self) -> None:
        self.text("list", resourceType="pods", namespace="shop")  # no context given: the server's default
        self.text("list", resourceType="pods", namespace="shop", context="staging")
        contexts = AuditRecord.objects.filter(tool="list").order_by("created").values_list("context", flat=True)
        self.assertEqual(list(contexts), ["fake", "staging"])

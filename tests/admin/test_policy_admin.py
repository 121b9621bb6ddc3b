from __future__ import annotations

from k8stools.models import AuditRecord, PolicySettings
from tests.admin.base import AdminTestCase

URL = "/admin/k8stools/policysettings/1/change/"


def form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "non_destructive": "on",
        "allowed_operations": ["scale"],
        "restricted_namespaces": "kube-system, vault",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


class PolicyAdminTests(AdminTestCase):
    def setUp(self) -> None:
        PolicySettings.objects.create(restricted_namespaces=["kube-system"])

    def test_it_shows_namespaces_as_comma_separated_text(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(URL)
        self.assertContains(response, 'value="kube-system"')
        self.assertContains(response, 'type="checkbox" name="allowed_operations" value="scale"')

    def test_a_superuser_changes_the_policy_and_leaves_an_audit_record(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post(URL, form())
        self.assertRedirects(response, "/admin/k8stools/policysettings/")
        policy = PolicySettings.objects.get()
        self.assertEqual(policy.restricted_namespaces, ["kube-system", "vault"])
        self.assertEqual(policy.allowed_operations, ["scale"])
        self.assertEqual(policy.updated_by, self.alice)
        record = AuditRecord.objects.get(tool="admin:policy")
        self.assertEqual(record.user, "alice")
        self.assertEqual(record.arguments["before"]["restricted_namespaces"], ["kube-system"])
        self.assertEqual(record.arguments["after"]["restricted_namespaces"], ["kube-system", "vault"])

    def test_it_refuses_an_invalid_namespace_name(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post(URL, form(restricted_namespaces="kube-system, Not_A_Name"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "not a valid namespace name: Not_A_Name")
        self.assertEqual(PolicySettings.objects.get().restricted_namespaces, ["kube-system"])
        self.assertFalse(AuditRecord.objects.exists())

    def test_it_refuses_an_unknown_operation(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post(URL, form(allowed_operations=["teleport"]))
        self.assertContains(response, "Select a valid choice")
        self.assertEqual(PolicySettings.objects.get().allowed_operations, [])

    def test_staff_can_view_but_not_change_the_policy(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'name="restricted_namespaces"')
        response = self.client.post(URL, form(restricted_namespaces="default"))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(PolicySettings.objects.get().restricted_namespaces, ["kube-system"])
        self.assertFalse(AuditRecord.objects.exists())

    def test_a_user_without_staff_status_is_sent_to_the_login_page(self) -> None:
        self.client.force_login(self.charlie)
        response = self.client.get(URL)
        self.assertRedirects(response, f"/admin/login/?next={URL}")

    def test_nobody_deletes_the_policy(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post("/admin/k8stools/policysettings/1/delete/", {"post": "yes"})
        self.assertEqual(response.status_code, 403)
        self.assertTrue(PolicySettings.objects.exists())

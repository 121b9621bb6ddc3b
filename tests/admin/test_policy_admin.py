from __future__ import annotations

from django.core.cache import cache

from k8stools.config import ServerConfig
from k8stools.context import ServerContext, get_server_context, set_server_context
from k8stools.models import AuditRecord, PolicySettings
from k8stools.policy import Policy
from tests.admin.base import AdminTestCase

URL = "/admin/k8stools/policysettings/1/change/"
ENVIRONMENT = ServerConfig(non_destructive=True, dry_run=False, restricted_namespaces=frozenset({"kube-system"}))


def form(**overrides: object) -> dict[str, object]:
    """The form as a browser posts it: every field inheriting unless told otherwise."""
    data: dict[str, object] = {
        "non_destructive": "inherit",
        "dry_run": "inherit",
        "allowed_operations_mode": "inherit",
        "allowed_operations": [],
        "restricted_namespaces_mode": "inherit",
        "restricted_namespaces": "",
    }
    data.update(overrides)
    return data


class PolicyAdminTests(AdminTestCase):
    def setUp(self) -> None:
        previous = get_server_context()
        set_server_context(ServerContext(config=ENVIRONMENT, metrics=previous.metrics))
        self.addCleanup(set_server_context, previous)
        cache.clear()

    def effective(self) -> Policy:
        return get_server_context().policy.current()

    def test_a_fresh_install_shows_the_policy_in_force_from_the_environment(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "The policy in force")
        self.assertContains(
            response,
            '<tr id="policy-restricted_namespaces"><th scope="row">Restricted namespaces</th>'
            "<td><code>RESTRICTED_NAMESPACES</code>: kube-system</td>"
            '<td class="effective">kube-system</td><td class="source">environment</td></tr>',
            html=True,
        )
        self.assertContains(response, "Inherit the environment default (on)")
        self.assertNotContains(response, "Save and add another")
        self.assertNotContains(response, "_addanother")
        self.assertFalse(PolicySettings.objects.exists())

    def test_the_list_and_the_add_page_lead_to_the_one_policy_page(self) -> None:
        self.client.force_login(self.alice)
        self.assertRedirects(self.client.get("/admin/k8stools/policysettings/"), URL)
        self.assertRedirects(self.client.get("/admin/k8stools/policysettings/add/"), URL)

    def test_overriding_one_field_keeps_every_other_field_inherited(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post(URL, form(dry_run="on"))
        self.assertRedirects(response, URL)
        row = PolicySettings.objects.get()
        self.assertEqual(
            (row.non_destructive, row.dry_run, row.allowed_operations, row.restricted_namespaces),
            (None, True, None, None),
        )
        self.assertEqual(self.effective(), Policy(dry_run=True, restricted_namespaces=frozenset({"kube-system"})))
        self.assertContains(self.client.get(URL), '<td class="source">admin override</td>', count=1, html=True)

    def test_an_edit_takes_effect_on_the_next_call(self) -> None:
        self.assertFalse(self.effective().dry_run)
        self.client.force_login(self.alice)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(URL, form(dry_run="on"))
        self.assertTrue(self.effective().dry_run)

    def test_an_empty_override_lifts_the_environments_restricted_namespaces(self) -> None:
        self.client.force_login(self.alice)
        self.client.post(URL, form(restricted_namespaces_mode="override", restricted_namespaces=""))
        self.assertEqual(PolicySettings.objects.get().restricted_namespaces, [])
        self.assertEqual(self.effective().restricted_namespaces, frozenset())

    def test_inheriting_again_drops_the_override_whatever_the_box_holds(self) -> None:
        PolicySettings.objects.create(restricted_namespaces=["vault"], non_destructive=False)
        self.client.force_login(self.alice)
        self.client.post(URL, form(restricted_namespaces="vault, shop", non_destructive="inherit"))
        row = PolicySettings.objects.get()
        self.assertEqual((row.restricted_namespaces, row.non_destructive), (None, None))
        self.assertEqual(self.effective().restricted_namespaces, frozenset({"kube-system"}))

    def test_a_change_is_audited_with_who_what_before_and_after(self) -> None:
        PolicySettings.objects.create(restricted_namespaces=["kube-system"])
        self.client.force_login(self.alice)
        response = self.client.post(
            URL,
            form(
                restricted_namespaces_mode="override",
                restricted_namespaces="kube-system, vault, vault",
                allowed_operations_mode="override",
                allowed_operations=["scale"],
            ),
        )
        self.assertRedirects(response, URL)
        row = PolicySettings.objects.get()
        self.assertEqual(
            (row.restricted_namespaces, row.allowed_operations, row.updated_by),
            (["kube-system", "vault"], ["scale"], self.alice),
        )
        record = AuditRecord.objects.get(tool="admin:policy")
        self.assertEqual(record.user, "alice")
        self.assertEqual(record.arguments["changed"], ["allowed_operations", "restricted_namespaces"])
        self.assertEqual(record.arguments["before"]["restricted_namespaces"], ["kube-system"])
        self.assertEqual(record.arguments["before"]["allowed_operations"], None)
        self.assertEqual(record.arguments["after"]["restricted_namespaces"], ["kube-system", "vault"])
        self.assertEqual(record.arguments["after"]["allowed_operations"], ["scale"])

    def test_a_post_of_save_and_add_another_stays_on_the_policy(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post(URL, {**form(dry_run="off"), "_addanother": "1"})
        self.assertRedirects(response, URL)
        self.assertIs(PolicySettings.objects.get().dry_run, False)

    def test_it_refuses_an_invalid_namespace_name_inline(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post(
            URL, form(restricted_namespaces_mode="override", restricted_namespaces="kube-system, Not_A_Name")
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "not a valid namespace name: Not_A_Name")
        self.assertFalse(PolicySettings.objects.exists())
        self.assertFalse(AuditRecord.objects.exists())

    def test_it_refuses_an_unknown_operation_and_a_missing_choice(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post(URL, form(allowed_operations_mode="override", allowed_operations=["teleport"]))
        self.assertContains(response, "Select a valid choice")
        response = self.client.post(URL, form(dry_run="maybe"))
        self.assertContains(response, "Select a valid choice")
        self.assertFalse(PolicySettings.objects.exists())

    def test_staff_read_the_policy_in_force_but_cannot_change_it(self) -> None:
        PolicySettings.objects.create(restricted_namespaces=["kube-system"])
        self.client.force_login(self.bob)
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "The policy in force")
        self.assertNotContains(response, 'name="restricted_namespaces"')
        self.assertNotContains(response, 'name="_save"')
        response = self.client.post(URL, form(restricted_namespaces_mode="override", restricted_namespaces="default"))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(PolicySettings.objects.get().restricted_namespaces, ["kube-system"])
        self.assertFalse(AuditRecord.objects.exists())

    def test_a_user_without_staff_status_is_sent_to_the_login_page(self) -> None:
        self.client.force_login(self.charlie)
        response = self.client.get(URL)
        self.assertRedirects(response, f"/admin/login/?next={URL}")

    def test_nobody_deletes_the_policy(self) -> None:
        PolicySettings.objects.create()
        self.client.force_login(self.alice)
        response = self.client.post("/admin/k8stools/policysettings/1/delete/", {"post": "yes"})
        self.assertEqual(response.status_code, 403)
        self.assertTrue(PolicySettings.objects.exists())

    def test_it_says_when_and_by_whom_the_policy_was_last_saved(self) -> None:
        self.client.force_login(self.alice)
        self.assertContains(self.client.get(URL), "never: every setting comes from the environment")
        self.client.post(URL, form(dry_run="on"))
        row = PolicySettings.objects.get()
        response = self.client.get(URL)
        self.assertContains(response, row.updated_at.strftime("%Y-%m-%d %H:%M:%S UTC"))
        self.assertContains(response, "alice")

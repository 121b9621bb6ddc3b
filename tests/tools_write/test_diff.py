from __future__ import annotations

import copy
import unittest
from typing import ClassVar

from fakekube.operations import WriteOptions
from fakekube.patches import APPLY_PATCH
from k8stools.diff import render_diff
from tests.tools_write.base import WritingTestCase, as_yaml, configmap, deployment

LIVE = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "web",
        "namespace": "shop",
        "resourceVersion": "41",
        "generation": 3,
        "uid": "u-1",
        "creationTimestamp": "2026-01-01T00:00:00Z",
        "managedFields": [{"manager": "kubectl", "operation": "Apply"}],
    },
    "spec": {"replicas": 2, "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}},
}


class RenderDiffTests(unittest.TestCase):
    def test_it_shows_only_the_change_without_server_noise(self) -> None:
        after = copy.deepcopy(LIVE)
        after["spec"]["replicas"] = 5
        after["metadata"]["resourceVersion"] = "42"
        after["metadata"]["managedFields"].append({"manager": "kubemcp", "operation": "Apply"})
        text = render_diff(LIVE, after, name="deployment.apps/web", change="apply")
        self.assertIn("--- deployment.apps/web (live)\n+++ deployment.apps/web (after apply)\n", text)
        changed = [line for line in text.splitlines() if line[:1] in "+-" and not line.startswith(("---", "+++"))]
        self.assertEqual(changed, ["-  replicas: 2", "+  replicas: 5"])
        for noise in ("managedFields", "resourceVersion", "generation", "uid", "creationTimestamp"):
            self.assertNotIn(noise, text)

    def test_a_new_object_is_all_added(self) -> None:
        text = render_diff(None, LIVE, name="deployment.apps/web", change="apply")
        body = text.splitlines()
        self.assertEqual(body[0], "--- /dev/null")
        self.assertTrue(all(line.startswith("+") for line in body[3:]))
        self.assertIn("+kind: Deployment", body)

    def test_no_change_says_so(self) -> None:
        self.assertEqual(
            render_diff(LIVE, copy.deepcopy(LIVE), name="deployment.apps/web", change="apply"),
            "deployment.apps/web: no changes (the object already matches)\n",
        )

    def test_secret_values_never_show_and_a_changed_one_is_marked(self) -> None:
        live = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "db"},
            "data": {"password": "b2xk", "user": "YWRtaW4="},
        }
        after = copy.deepcopy(live)
        after["data"]["password"] = "bmV3"
        after["data"]["token"] = "dG9r"
        text = render_diff(live, after, name="secret/db", change="apply")
        for value in ("b2xk", "bmV3", "YWRtaW4=", "dG9r"):
            self.assertNotIn(value, text)
        self.assertIn("-  password: '***REDACTED***'", text)
        self.assertIn("+  password: '***REDACTED*** (changed)'", text)
        self.assertIn("+  token: '***REDACTED***'", text)
        self.assertNotIn("user", [line[1:].split(":")[0].strip() for line in text.splitlines() if line[:1] in "+-"])


class DiffToolTests(WritingTestCase):
    """`diff: true` on apply and patch: a server-side dry run, shown as a diff; nothing changes."""

    def test_apply_diff_shows_the_change_and_changes_nothing(self) -> None:
        self.fake.add_object(configmap("diffed", "default", level="info", keep="yes"))
        self.fake.clear_requests()
        text = self.text("apply", manifest=configmap("diffed", "default", level="debug", keep="yes"), diff=True)
        self.assertIn("--- configmap/diffed (live)", text)
        self.assertIn("-  level: info\n+  level: debug\n", text)
        self.assertIn("nothing was changed", text)
        self.assertEqual(
            self.fake.get_object("configmaps", "default", "diffed")["data"], {"level": "info", "keep": "yes"}
        )
        self.assertEqual(self.fake.mutations(), [])
        patches = [entry for entry in self.fake.requests if entry.method == "PATCH"]
        self.assertEqual([entry.query.get("dryRun") for entry in patches], ["All"])

    def test_apply_diff_of_a_new_object_is_all_added(self) -> None:
        text = self.text("apply", manifest=as_yaml(deployment("brand-new", "default")), diff=True)
        self.assertIn("--- /dev/null\n+++ deployment.apps/brand-new (after apply)", text)
        self.assertIn("+kind: Deployment", text)
        self.assertIsNone(self.fake.get_object("deployments", "default", "brand-new", group="apps"))

    def test_apply_diff_reports_a_field_manager_conflict_with_the_force_hint(self) -> None:
        kind = self.fake.resource_type("configmaps")
        owned = configmap("diff-owned", "default", level="info")
        self.fake.operations.patch(
            kind, "default", "diff-owned", APPLY_PATCH, owned, WriteOptions(field_manager="helm"), "helm"
        )
        text = self.error("apply", manifest=configmap("diff-owned", "default", level="debug"), diff=True)
        self.assertIn("configmap/diff-owned: the dry run FAILED", text)
        self.assertIn("pass force: true", text)
        forced = self.text("apply", manifest=configmap("diff-owned", "default", level="debug"), diff=True, force=True)
        self.assertIn("-  level: info\n+  level: debug\n", forced)
        self.assertEqual(self.fake.get_object("configmaps", "default", "diff-owned")["data"], {"level": "info"})

    def test_patch_diff_shows_the_change_and_changes_nothing(self) -> None:
        self.fake.add_object(deployment("patched-preview", "default", replicas=1))
        self.fake.clear_requests()
        text = self.text(
            "patch", resourceType="deploy", name="patched-preview", patch={"spec": {"replicas": 4}}, diff=True
        )
        self.assertIn("-  replicas: 1\n+  replicas: 4\n", text)
        self.assertEqual(
            self.fake.get_object("deployments", "default", "patched-preview", group="apps")["spec"]["replicas"], 1
        )
        self.assertEqual(self.fake.mutations(), [])


class DiffInNonDestructiveModeTests(WritingTestCase):
    """With apply allowed but dry-run off, a diff still sends only a dry run."""

    server_env: ClassVar[dict[str, str]] = {"NON_DESTRUCTIVE": "true", "ALLOWED_OPERATIONS": "apply"}

    def test_the_diff_is_a_dry_run_even_though_the_policy_would_apply_for_real(self) -> None:
        self.fake.clear_requests()
        text = self.text("apply", manifest=configmap("only-previewed", "default", a="1"), diff=True)
        self.assertIn("+  a: '1'", text)
        self.assertIsNone(self.fake.get_object("configmaps", "default", "only-previewed"))
        self.assertEqual(self.fake.mutations(), [])

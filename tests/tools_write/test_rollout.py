from __future__ import annotations

import unittest
from typing import Any, ClassVar

from mcp import Client

from k8stools.kube import ResourceType
from k8stools.rollouts import REVISION, Revision, label_selector, rollout_state, undo_patch
from tests.live import when_requested
from tests.tools_write.base import WritingTestCase, deployment


def state_of(resource: str, generation: int, spec: dict[str, Any], status: dict[str, Any]) -> tuple[str, bool, bool]:
    state = rollout_state(
        resource, {"metadata": {"name": "web", "generation": generation}, "spec": spec, "status": status}
    )
    return state.message, state.done, state.failed


class RolloutStateTests(unittest.TestCase):
    """kubectl's `rollout status` wording and decisions."""

    def test_deployment_states(self) -> None:
        self.assertEqual(
            state_of("deployments", 2, {"replicas": 3}, {"observedGeneration": 1})[0],
            "Waiting for deployment spec update to be observed...",
        )
        self.assertEqual(
            state_of("deployments", 1, {"replicas": 3}, {"observedGeneration": 1, "updatedReplicas": 1}),
            (
                'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
                False,
                False,
            ),
        )
        self.assertEqual(
            state_of("deployments", 1, {"replicas": 3}, {"observedGeneration": 1, "updatedReplicas": 3, "replicas": 4})[
                0
            ],
            'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
        )
        self.assertEqual(
            state_of(
                "deployments",
                1,
                {"replicas": 3},
                {"observedGeneration": 1, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 2},
            )[0],
            'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
        )
        self.assertEqual(
            state_of(
                "deployments",
                1,
                {"replicas": 3},
                {"observedGeneration": 1, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 3},
            ),
            ('deployment "web" successfully rolled out', True, False),
        )
        stuck = {"observedGeneration": 1, "conditions": [{"type": "Progressing", "reason": "ProgressDeadlineExceeded"}]}
        self.assertEqual(
            state_of("deployments", 1, {"replicas": 3}, stuck),
            ('deployment "web" exceeded its progress deadline', False, True),
        )

    def test_statefulset_states(self) -> None:
        rolling = {"replicas": 2, "updateStrategy": {"type": "RollingUpdate"}}
        self.assertEqual(
            state_of("statefulsets", 1, rolling, {"observedGeneration": 1, "readyReplicas": 1})[0],
            "Waiting for 1 pods to be ready...",
        )
        self.assertEqual(
            state_of(
                "statefulsets",
                1,
                rolling,
                {
                    "observedGeneration": 1,
                    "readyReplicas": 2,
                    "updatedReplicas": 1,
                    "currentRevision": "web-1",
                    "updateRevision": "web-2",
                },
            )[0],
            "waiting for statefulset rolling update to complete 1 pods at revision web-2...",
        )
        self.assertEqual(
            state_of(
                "statefulsets",
                1,
                rolling,
                {
                    "observedGeneration": 1,
                    "readyReplicas": 2,
                    "currentReplicas": 2,
                    "currentRevision": "web-2",
                    "updateRevision": "web-2",
                },
            ),
            ("statefulset rolling update complete 2 pods at revision web-2...", True, False),
        )
        partitioned = {"replicas": 3, "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}}
        self.assertEqual(
            state_of(
                "statefulsets", 1, partitioned, {"observedGeneration": 1, "readyReplicas": 3, "updatedReplicas": 1}
            ),
            ("partitioned roll out complete: 1 new pods have been updated...", True, False),
        )
        self.assertTrue(state_of("statefulsets", 1, {"updateStrategy": {"type": "OnDelete"}}, {})[2])

    def test_daemonset_states(self) -> None:
        self.assertEqual(
            state_of(
                "daemonsets", 1, {}, {"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 2}
            )[0],
            'Waiting for daemon set "web" rollout to finish: 2 out of 3 new pods have been updated...',
        )
        self.assertEqual(
            state_of(
                "daemonsets",
                1,
                {},
                {
                    "observedGeneration": 1,
                    "desiredNumberScheduled": 3,
                    "updatedNumberScheduled": 3,
                    "numberAvailable": 3,
                },
            ),
            ('daemon set "web" successfully rolled out', True, False),
        )


class SelectorAndUndoPatchTests(unittest.TestCase):
    def test_a_label_selector_becomes_a_query_string(self) -> None:
        selector = {
            "matchLabels": {"tier": "web", "app": "shop"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "stage"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "zone", "operator": "NotIn", "values": ["a"]},
                {"key": "team", "operator": "Exists"},
            ],
        }
        self.assertEqual(label_selector(selector), "app=shop,tier=web,env in (prod,stage),!canary,zone notin (a),team")

    def test_a_deployment_undo_puts_the_template_back_and_keeps_its_own_bookkeeping(self) -> None:
        kind = ResourceType("apps", "v1", "deployments", "Deployment", True, frozenset())
        old_template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "w", "image": "v1"}]}}
        workload = {
            "metadata": {"annotations": {REVISION: "2", "kubernetes.io/change-cause": "to v2"}},
            "spec": {
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "w", "image": "v2"}]},
                }
            },
        }
        source = {"metadata": {"annotations": {REVISION: "1", "kubernetes.io/change-cause": "first"}}}
        body, patch_type = undo_patch(kind, workload, Revision(1, "first", old_template, source))
        self.assertEqual(patch_type, "json")
        self.assertEqual(body[0], {"op": "replace", "path": "/spec/template", "value": old_template})
        self.assertEqual(body[1]["value"], {REVISION: "2", "kubernetes.io/change-cause": "first"})
        self.assertEqual(
            undo_patch(kind, {**workload, "spec": {"template": old_template}}, Revision(1, "", old_template, source)),
            (None, "json"),
        )


def statefulset(name: str, image: str) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": 1,
            "serviceName": name,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "db", "image": image}]}},
        },
    }


class RolloutTests(WritingTestCase):
    def image_of(self, name: str, resource: str = "deployments") -> str:
        obj = self.fake.get_object(resource, "default", name, group="apps")
        return obj["spec"]["template"]["spec"]["containers"][0]["image"]

    def roll(self, name: str, *images: str) -> None:
        """Create a deployment, then roll it through `images` (one revision each)."""
        for image in images:
            self.text("apply", manifest=deployment(name, "default", image=image))

    def test_status_of_a_rolled_out_deployment(self) -> None:
        self.roll("steady", "nginx:1.27")
        self.assertEqual(
            self.text("rollout_status", resourceType="deploy", name="steady"),
            'deployment "steady" successfully rolled out',
        )
        self.assertEqual(
            self.text("rollout", action="status", resourceType="deployment", name="steady"),
            'deployment "steady" successfully rolled out',
        )

    def test_status_without_wait_reports_an_unfinished_rollout(self) -> None:
        self.roll("paused", "nginx:1.27")
        self.text("patch", resourceType="deploy", name="paused", patch={"spec": {"paused": True}})
        self.roll("paused", "nginx:1.28")
        self.assertEqual(
            self.text("rollout_status", resourceType="deploy", name="paused"),
            'Waiting for deployment "paused" rollout to finish: 0 out of 1 new replicas have been updated...',
        )
        text = self.error("rollout_status", resourceType="deploy", name="paused", wait=True, timeoutSeconds=1)
        self.assertIn("timed out after 1s waiting for the rollout; last status: Waiting for deployment", text)

    def test_wait_follows_the_rollout_to_the_end_with_progress(self) -> None:
        self.roll("resumed", "nginx:1.27")
        self.text("patch", resourceType="deploy", name="resumed", patch={"spec": {"paused": True}})
        self.roll("resumed", "nginx:1.28")
        kind = self.fake.resource_type("deployments", "apps")

        def resume() -> None:
            live = self.fake.get_object("deployments", "default", "resumed", group="apps")
            body = {**live, "spec": {**live["spec"], "paused": False}}
            body["metadata"] = {key: value for key, value in live["metadata"].items() if key != "resourceVersion"}
            self.fake.operations.update(kind, "default", "resumed", body)

        self.fake.clear_requests()
        when_requested(self.fake, lambda request: request.query.get("watch") == "true", resume)
        progress: list[tuple[float, float | None, str | None]] = []

        async def on_progress(value: float, total: float | None, message: str | None) -> None:
            progress.append((value, total, message))

        async def body(client: Client) -> Any:
            return await client.call_tool(
                "rollout_status",
                {"resourceType": "deploy", "name": "resumed", "wait": True, "timeoutSeconds": 20},
                progress_callback=on_progress,
            )

        result = self.with_client(body)
        self.assertFalse(result.is_error, result.content[0].text)
        self.assertEqual(result.content[0].text, 'deployment "resumed" successfully rolled out')
        self.assertTrue(progress)
        self.assertIn("Waiting for deployment", progress[0][2])

    def test_restart_stamps_the_pod_template_and_makes_a_new_revision(self) -> None:
        self.roll("restarted", "nginx:1.27")
        self.assertEqual(
            self.text("rollout", action="restart", resourceType="deploy", name="restarted"),
            "deployment.apps/restarted restarted",
        )
        live = self.fake.get_object("deployments", "default", "restarted", group="apps")
        self.assertIn("kubectl.kubernetes.io/restartedAt", live["spec"]["template"]["metadata"]["annotations"])
        history = self.text("rollout_history", resourceType="deploy", name="restarted")
        self.assertEqual([line.split()[0] for line in history.splitlines()[2:]], ["1", "2"])

    def test_history_lists_revisions_with_their_change_cause(self) -> None:
        self.roll("historic", "nginx:1.27", "nginx:1.28")
        self.text(
            "patch",
            resourceType="deploy",
            name="historic",
            patch={
                "metadata": {"annotations": {"kubernetes.io/change-cause": "bump to 1.29"}},
                "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.29"}]}}},
            },
        )
        text = self.text("rollout_history", resourceType="deploy", name="historic")
        self.assertEqual(
            text.splitlines(),
            [
                "deployment.apps/historic",
                "REVISION  CHANGE-CAUSE",
                "1         <none>",
                "2         <none>",
                "3         bump to 1.29",
            ],
        )
        detail = self.text("rollout_history", resourceType="deploy", name="historic", revision=2)
        self.assertIn("deployment.apps/historic with revision #2", detail)
        self.assertIn("image: nginx:1.28", detail)
        self.assertNotIn("pod-template-hash", detail)
        self.assertIn(
            "has no revision 9; its revisions are 1, 2, 3",
            self.error("rollout_history", resourceType="deploy", name="historic", revision=9),
        )

    def test_undo_goes_back_to_the_previous_revision_or_the_one_asked_for(self) -> None:
        self.roll("undone", "nginx:1.27", "nginx:1.28", "nginx:1.29")
        self.assertEqual(
            self.text("rollout", action="undo", resourceType="deploy", name="undone"),
            "deployment.apps/undone rolled back to revision 2",
        )
        self.assertEqual(self.image_of("undone"), "nginx:1.28")
        self.assertEqual(
            self.text("rollout", action="undo", resourceType="deploy", name="undone", toRevision=1),
            "deployment.apps/undone rolled back to revision 1",
        )
        self.assertEqual(self.image_of("undone"), "nginx:1.27")
        history = self.text("rollout_history", resourceType="deploy", name="undone")
        self.assertEqual(
            [line.split()[0] for line in history.splitlines()[2:]], ["3", "4", "5"]
        )  # as kubectl renumbers
        self.assertEqual(
            self.text("rollout", action="undo", resourceType="deploy", name="undone", toRevision=5),
            "deployment.apps/undone: skipped rollback (the current template already matches revision 5)",
        )
        self.assertIn(
            "has no revision 42",
            self.error("rollout", action="undo", resourceType="deploy", name="undone", toRevision=42),
        )

    def test_undo_with_a_single_revision_is_a_clear_error(self) -> None:
        self.roll("fresh", "nginx:1.27")
        self.assertIn(
            "there is no previous revision", self.error("rollout", action="undo", resourceType="deploy", name="fresh")
        )

    def test_a_statefulset_undo_uses_its_controller_revisions(self) -> None:
        self.text("apply", manifest=statefulset("ledger", "postgres:17"))
        live = self.fake.get_object("statefulsets", "default", "ledger", group="apps")
        owner = {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "name": "ledger",
            "uid": live["metadata"]["uid"],
            "controller": True,
        }
        for number, image in ((1, "postgres:16"), (2, "postgres:17")):
            template = statefulset("ledger", image)["spec"]["template"]
            self.fake.add_object(
                {
                    "apiVersion": "apps/v1",
                    "kind": "ControllerRevision",
                    "metadata": {
                        "name": f"ledger-{number}",
                        "namespace": "default",
                        "labels": {"app": "ledger"},
                        "ownerReferences": [owner],
                    },
                    "revision": number,
                    "data": {"spec": {"template": {**template, "$patch": "replace"}}},
                }
            )
        history = self.text("rollout_history", resourceType="sts", name="ledger")
        self.assertEqual(history.splitlines()[2:], ["1         <none>", "2         <none>"])
        self.assertEqual(
            self.text("rollout", action="undo", resourceType="statefulset", name="ledger"),
            "statefulset.apps/ledger rolled back to revision 1",
        )
        self.assertEqual(self.image_of("ledger", "statefulsets"), "postgres:16")

    def test_only_workloads_with_rollouts_are_accepted(self) -> None:
        self.assertIn("has no rollouts", self.error("rollout_status", resourceType="configmap", name="x"))

    def test_restart_and_undo_refuse_a_paused_deployment(self) -> None:
        self.roll("held", "nginx:1.27")
        self.text("patch", resourceType="deploy", name="held", patch={"spec": {"paused": True}})
        self.assertIn(
            "is paused; resume it first", self.error("rollout", action="restart", resourceType="deploy", name="held")
        )


class RolloutInDryRunModeTests(WritingTestCase):
    server_env: ClassVar[dict[str, str]] = {"NON_DESTRUCTIVE": "true", "DRY_RUN": "true"}

    def test_a_dry_run_restart_changes_nothing(self) -> None:
        self.fake.add_object(deployment("dry-restart", "default"))
        self.fake.clear_requests()
        text = self.text("rollout", action="restart", resourceType="deploy", name="dry-restart")
        self.assertEqual(
            text,
            "Dry run: the API server validated this change; nothing was changed.\n"
            "deployment.apps/dry-restart restarted (server dry run)",
        )
        annotations = self.fake.get_object("deployments", "default", "dry-restart", group="apps")["spec"]["template"][
            "metadata"
        ]
        self.assertNotIn("annotations", annotations)
        self.assertEqual(self.fake.mutations(), [])


class DaemonSetRolloutTests(WritingTestCase):
    def test_a_daemonset_reports_status_restarts_and_lists_its_controller_revisions(self) -> None:
        labels = {"app": "agent"}
        agent = {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "default"},
            "spec": {
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "a", "image": "agent:1"}]},
                },
            },
        }
        self.text("apply", manifest=agent)
        self.assertEqual(
            self.text("rollout_status", resourceType="ds", name="agent"), 'daemon set "agent" successfully rolled out'
        )
        live = self.fake.get_object("daemonsets", "default", "agent", group="apps")
        owner = {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent", "uid": live["metadata"]["uid"]}
        self.fake.add_object(
            {
                "apiVersion": "apps/v1",
                "kind": "ControllerRevision",
                "metadata": {
                    "name": "agent-1",
                    "namespace": "default",
                    "labels": labels,
                    "ownerReferences": [owner],
                    "annotations": {"kubernetes.io/change-cause": "first agent"},
                },
                "revision": 1,
                "data": {"spec": {"template": {**agent["spec"]["template"], "$patch": "replace"}}},
            }
        )
        self.assertEqual(
            self.text("rollout_history", resourceType="daemonset", name="agent").splitlines()[1:],
            ["REVISION  CHANGE-CAUSE", "1         first agent"],
        )
        self.assertEqual(
            self.text("rollout", action="restart", resourceType="ds", name="agent"), "daemonset.apps/agent restarted"
        )
        template = self.fake.get_object("daemonsets", "default", "agent", group="apps")["spec"]["template"]
        self.assertIn("kubectl.kubernetes.io/restartedAt", template["metadata"]["annotations"])

from __future__ import annotations

from unittest import TestCase

from k8stools.formatting.podstatus import container_problems, pod_state
from tests.formatting.fixtures import NOW, last_terminated, pod, running, terminated, waiting


def init_container(name: str, *, sidecar: bool = False) -> dict[str, object]:
    spec: dict[str, object] = {"name": name, "image": f"registry.example.com/{name}:1"}
    if sidecar:
        spec["restartPolicy"] = "Always"
    return spec


class PodStatusTests(TestCase):
    def assertStatus(self, subject: dict[str, object], expected: str) -> None:
        self.assertEqual(pod_state(subject).status, expected)

    def test_a_healthy_pod_is_running_and_ready(self) -> None:
        state = pod_state(pod("web-1"))
        self.assertEqual((state.ready, state.status, state.restarts_text(NOW)), ("1/1", "Running", "0"))

    def test_waiting_reasons_become_the_status(self) -> None:
        for reason in ("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "ContainerCreating"):
            with self.subTest(reason=reason):
                self.assertStatus(pod("p", phase="Pending", containers=[waiting("app", reason)]), reason)

    def test_terminated_reasons_become_the_status(self) -> None:
        cases = [
            (terminated("app", exit_code=0, reason="Completed"), "Completed"),
            (terminated("app", exit_code=1, reason="Error"), "Error"),
            (terminated("app", exit_code=137, reason="OOMKilled"), "OOMKilled"),
            (terminated("app", exit_code=137, signal=9), "Signal:9"),
            (terminated("app", exit_code=1), "ExitCode:1"),
        ]
        for status, expected in cases:
            with self.subTest(expected=expected):
                self.assertStatus(pod("p", phase="Failed", containers=[status]), expected)

    def test_status_reason_wins_over_the_phase(self) -> None:
        evicted = pod("p", phase="Failed", containers=[], reason="Evicted")
        self.assertStatus(evicted, "Evicted")

    def test_a_deleted_pod_is_terminating_unless_its_node_is_lost(self) -> None:
        self.assertStatus(pod("p", deleting=True), "Terminating")
        self.assertStatus(pod("p", deleting=True, reason="NodeLost"), "Unknown")
        done = pod("p", phase="Succeeded", deleting=True, containers=[terminated("a", exit_code=0, reason="Completed")])
        self.assertStatus(done, "Completed")

    def test_init_containers_show_progress_and_failures(self) -> None:
        specs = [init_container("migrate"), init_container("seed")]
        blocked = [waiting("app", "PodInitializing")]
        not_initialized = {"Initialized": "False"}
        cases = [
            ([waiting("migrate", "PodInitializing"), waiting("seed", "PodInitializing")], "Init:0/2"),
            ([terminated("migrate", exit_code=0, reason="Completed"), running("seed", ready=False)], "Init:1/2"),
            ([waiting("migrate", "CrashLoopBackOff", restarts=2)], "Init:CrashLoopBackOff"),
            ([terminated("migrate", exit_code=1, reason="Error")], "Init:Error"),
            ([terminated("migrate", exit_code=2)], "Init:ExitCode:2"),
            ([terminated("migrate", exit_code=137, signal=9)], "Init:Signal:9"),
        ]
        for statuses, expected in cases:
            with self.subTest(expected=expected):
                subject = pod(
                    "p",
                    phase="Pending",
                    containers=blocked,
                    init_containers=specs,
                    init_statuses=statuses,
                    conditions=not_initialized,
                )
                self.assertStatus(subject, expected)

    def test_a_completed_container_beside_a_running_one_reads_running_or_not_ready(self) -> None:
        containers = [running("app"), terminated("job", exit_code=0, reason="Completed")]
        self.assertStatus(pod("p", containers=containers, conditions={"Ready": "True"}), "Running")
        self.assertStatus(pod("p", containers=containers, conditions={"Ready": "False"}), "NotReady")

    def test_a_failed_container_beside_a_completed_one_reads_as_its_error(self) -> None:
        containers = [
            terminated("main", exit_code=0, reason="Completed"),
            terminated("side", exit_code=1, reason="Error"),
        ]
        self.assertStatus(pod("p", phase="Failed", containers=containers), "Error")

    def test_sidecars_count_as_containers_once_started(self) -> None:
        subject = pod(
            "p",
            containers=[running("app")],
            init_containers=[init_container("proxy", sidecar=True)],
            init_statuses=[running("proxy", restarts=1, last=last_terminated("Error", 1, minutes_ago=30))],
        )
        state = pod_state(subject)
        self.assertEqual((state.ready, state.status), ("2/2", "Running"))
        self.assertEqual(state.restarts_text(NOW), "1 (30m ago)")

    def test_scheduling_gated_pods_say_so(self) -> None:
        subject = pod("p", phase="Pending", node=None, containers=[])
        subject["status"]["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]
        self.assertStatus(subject, "SchedulingGated")

    def test_restarts_show_when_the_last_one_happened(self) -> None:
        subject = pod(
            "p",
            containers=[
                running("app", restarts=2, last=last_terminated("Error", 1, minutes_ago=45)),
                running("sidecar", restarts=1, last=last_terminated("OOMKilled", 137, minutes_ago=12)),
            ],
        )
        self.assertEqual(pod_state(subject).restarts_text(NOW), "3 (12m ago)")

    def test_container_problems_name_waiting_and_last_termination_reasons(self) -> None:
        subject = pod(
            "p",
            containers=[
                waiting("api", "CrashLoopBackOff", restarts=5, last=last_terminated("OOMKilled", 137, minutes_ago=1)),
                running("proxy"),
            ],
        )
        self.assertEqual(container_problems(subject), ["api:CrashLoopBackOff,last=OOMKilled"])

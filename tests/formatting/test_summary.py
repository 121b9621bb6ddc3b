from __future__ import annotations

from unittest import TestCase

from k8stools.formatting.summary import summarize
from tests.formatting import fixtures


class SummaryTests(TestCase):
    def test_pods_count_by_kubectl_status_and_namespace(self) -> None:
        text = summarize(fixtures.pods_in_many_states(), kind="Pod")
        self.assertEqual(
            text,
            "Pod: 5 total\n"
            "By status: Running 2, Completed 1, CrashLoopBackOff 1, ImagePullBackOff 1\n"
            "By namespace: default 5\n"
            "Sample: web-7d9f8b6c5-x2k4p, api-6b8d9c7f4-q7w2e, worker-5c6d7e8f9-abcde, batch-1-zz9yy, cache-0",
        )

    def test_deployments_are_ready_not_ready_or_scaled_to_zero(self) -> None:
        deployments = [
            fixtures.deployment("a"),
            fixtures.deployment("b", ready=1),
            fixtures.deployment("c", replicas=0, ready=0),
            fixtures.deployment("d"),
        ]
        self.assertIn("By status: Ready 2, NotReady 1, Scaled to zero 1", summarize(deployments, kind="Deployment"))

    def test_nodes_are_ready_or_not(self) -> None:
        nodes = [fixtures.node("a"), fixtures.node("b", ready=False, cordoned=True)]
        self.assertIn("By status: NotReady 1, Ready 1", summarize(nodes, kind="Node"))

    def test_events_count_by_type_and_reason(self) -> None:
        events = [
            fixtures.event("BackOff", "x", type_="Warning"),
            fixtures.event("BackOff", "y", type_="Warning"),
            fixtures.event("Pulled", "z"),
        ]
        text = summarize(events, kind="Event")
        self.assertIn("By type: Warning 2, Normal 1", text)
        self.assertIn("By reason: BackOff 2, Pulled 1", text)

    def test_custom_resources_count_by_ready_condition(self) -> None:
        certificates = [
            fixtures.certificate("a", ready=True, reason="Ready"),
            fixtures.certificate("b", ready=False, reason="Issuing"),
        ]
        self.assertIn("By status: NotReady 1, Ready 1", summarize(certificates, kind="Certificate"))

    def test_kinds_without_status_show_only_totals(self) -> None:
        configmaps = [{"kind": "ConfigMap", "metadata": {"name": f"c{i}"}} for i in range(3)]
        self.assertEqual(summarize(configmaps, kind="ConfigMap"), "ConfigMap: 3 total\nSample: c0, c1, c2")

    def test_it_shows_the_top_ten_namespaces_and_a_sample_of_ten(self) -> None:
        pods = [fixtures.pod(f"p{i}", namespace=f"team-{i % 13:02d}") for i in range(40)]
        lines = summarize(pods, kind="Pod").splitlines()
        self.assertTrue(lines[2].startswith("By namespace: team-00 4, team-01 3, team-02 3"))
        self.assertTrue(lines[2].endswith(", … 3 more"))
        self.assertEqual(lines[3], "Sample (first 10 of 40): " + ", ".join(f"p{i}" for i in range(10)))

    def test_jobs_count_by_state(self) -> None:
        jobs = [
            {
                "kind": "Job",
                "metadata": {"name": "a"},
                "status": {"conditions": [{"type": "Complete", "status": "True"}]},
            },
            {
                "kind": "Job",
                "metadata": {"name": "b"},
                "status": {"conditions": [{"type": "Failed", "status": "True"}]},
            },
            {"kind": "Job", "metadata": {"name": "c"}, "status": {"active": 1}},
        ]
        self.assertIn("By status: Complete 1, Failed 1, Running 1", summarize(jobs, kind="Job"))

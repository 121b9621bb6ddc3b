from __future__ import annotations

import copy
from unittest import TestCase

from k8stools.formatting.tables import render_table
from tests.formatting import fixtures
from tests.formatting.fixtures import NOW, ago


def bytes_per_pod(count: int, **options: object) -> float:
    pods = fixtures.generated_pods(count, **options)  # type: ignore[arg-type]
    table = render_table(pods, kind="Pod", wide=False, all_namespaces=False, now=NOW)
    return len(table.encode()) / count


class PodTableTests(TestCase):
    def test_it_prints_kubectl_columns_plus_node(self) -> None:
        table = render_table(fixtures.pods_in_many_states(), kind="Pod", wide=False, all_namespaces=False, now=NOW)
        self.assertEqual(
            table,
            "NAME                    READY  STATUS            RESTARTS     AGE   NODE\n"
            "web-7d9f8b6c5-x2k4p     1/1    Running           0            120m  worker-1\n"
            "api-6b8d9c7f4-q7w2e     0/1    CrashLoopBackOff  5 (12m ago)  120m  worker-1\n"
            "worker-5c6d7e8f9-abcde  0/1    ImagePullBackOff  0            120m  worker-1\n"
            "batch-1-zz9yy           0/1    Completed         0            120m  worker-1\n"
            "cache-0                 1/1    Running           3 (5m ago)   120m  worker-1",
        )

    def test_wide_adds_ip_and_the_reasons_behind_the_status(self) -> None:
        pods = fixtures.pods_in_many_states()[:2]
        table = render_table(pods, kind="Pod", wide=True, all_namespaces=True, now=NOW)
        self.assertEqual(
            table,
            "NAMESPACE  NAME                 READY  STATUS            RESTARTS     AGE   IP          NODE      REASON\n"
            "default    web-7d9f8b6c5-x2k4p  1/1    Running           0            120m  10.244.1.5  worker-1  <none>\n"
            "default    api-6b8d9c7f4-q7w2e  0/1    CrashLoopBackOff  5 (12m ago)  120m  10.244.1.5  worker-1  "
            "api:CrashLoopBackOff,last=Error",
        )

    def test_an_unscheduled_pod_has_no_node(self) -> None:
        pending = fixtures.pod("p", phase="Pending", node=None, ip=None, containers=[])
        self.assertEqual(
            render_table([pending], kind="pods", wide=False, all_namespaces=False, now=NOW),
            "NAME  READY  STATUS   RESTARTS  AGE   NODE\np     0/0    Pending  0         120m  <none>",
        )

    def test_a_hundred_pods_cost_well_under_120_bytes_each(self) -> None:
        self.assertLess(bytes_per_pod(100), 100)
        self.assertLess(bytes_per_pod(1000), 100)

    def test_long_cloud_node_names_cost_only_their_own_length(self) -> None:
        nodes = ("ip-10-0-12-34.eu-west-1.compute.internal", "ip-10-0-56-78.eu-west-1.compute.internal")
        self.assertLess(bytes_per_pod(100, node_names=nodes), 125)

    def test_labels_come_last_when_asked(self) -> None:
        table = render_table(
            fixtures.pods_in_many_states()[:1],
            kind="Pod",
            wide=False,
            all_namespaces=False,
            now=NOW,
            include_labels=True,
        )
        self.assertTrue(table.splitlines()[0].endswith("NODE      LABELS"))
        self.assertTrue(table.splitlines()[1].endswith("app=web,pod-template-hash=7d9f8b6c5"))

    def test_it_never_mutates_its_input(self) -> None:
        pods = fixtures.pods_in_many_states()
        before = copy.deepcopy(pods)
        render_table(pods, kind="Pod", wide=True, all_namespaces=True, now=NOW, include_labels=True)
        self.assertEqual(pods, before)

    def test_an_empty_list_says_so(self) -> None:
        self.assertEqual(render_table([], kind="Pod", wide=False, all_namespaces=False, now=NOW), "No resources found.")


class WorkloadTableTests(TestCase):
    def test_deployments_print_like_kubectl(self) -> None:
        deployments = [fixtures.deployment(), fixtures.deployment("api", replicas=3, ready=1, updated=2)]
        self.assertEqual(
            render_table(deployments, kind="Deployment", wide=False, all_namespaces=False, now=NOW),
            "NAME  READY  UP-TO-DATE  AVAILABLE  AGE\nweb   3/3    3           3          3d4h\napi   1/3    2           1          3d4h",
        )

    def test_wide_deployments_add_containers_images_and_selector(self) -> None:
        table = render_table([fixtures.deployment()], kind="Deployment", wide=True, all_namespaces=False, now=NOW)
        self.assertEqual(
            table.splitlines(),
            [
                "NAME  READY  UP-TO-DATE  AVAILABLE  AGE   CONTAINERS  IMAGES                          SELECTOR",
                "web   3/3    3           3          3d4h  web         registry.example.com/web:1.4.2  app=web",
            ],
        )

    def test_jobs_show_status_completions_and_duration(self) -> None:
        job = {
            "kind": "Job",
            "metadata": {"name": "migrate", "creationTimestamp": ago(minutes=30)},
            "spec": {"completions": 1, "parallelism": 1},
            "status": {
                "succeeded": 1,
                "startTime": ago(minutes=30),
                "completionTime": ago(minutes=28),
                "conditions": [{"type": "Complete", "status": "True"}],
            },
        }
        self.assertEqual(
            render_table([job], kind="Job", wide=False, all_namespaces=False, now=NOW),
            "NAME     STATUS    COMPLETIONS  DURATION  AGE\nmigrate  Complete  1/1          2m        30m",
        )

    def test_cronjobs_show_schedule_and_last_run(self) -> None:
        cronjob = {
            "kind": "CronJob",
            "metadata": {"name": "nightly", "creationTimestamp": ago(days=10)},
            "spec": {"schedule": "0 2 * * *", "suspend": False},
            "status": {"lastScheduleTime": ago(hours=7), "active": []},
        }
        self.assertEqual(
            render_table([cronjob], kind="CronJob", wide=False, all_namespaces=False, now=NOW),
            "NAME     SCHEDULE   TIMEZONE  SUSPEND  ACTIVE  LAST SCHEDULE  AGE\n"
            "nightly  0 2 * * *  <none>    False    0       7h             10d",
        )


class ClusterTableTests(TestCase):
    def test_nodes_show_status_roles_and_version(self) -> None:
        nodes = [
            fixtures.node("cp-1", roles=("control-plane",)),
            fixtures.node("worker-2", ready=False, cordoned=True),
        ]
        self.assertEqual(
            render_table(nodes, kind="Node", wide=False, all_namespaces=True, now=NOW),
            "NAME      STATUS                       ROLES          AGE  VERSION\n"
            "cp-1      Ready                        control-plane  40d  v1.34.2\n"
            "worker-2  NotReady,SchedulingDisabled  <none>         40d  v1.34.2",
        )

    def test_services_show_ports_and_external_addresses(self) -> None:
        services = [fixtures.service(), fixtures.service("shop", type_="LoadBalancer")]
        self.assertEqual(
            render_table(services, kind="Service", wide=False, all_namespaces=False, now=NOW),
            "NAME  TYPE          CLUSTER-IP   EXTERNAL-IP   PORT(S)       AGE\n"
            "web   ClusterIP     10.96.12.34  <none>        80/TCP        3d\n"
            "shop  LoadBalancer  10.96.12.34  203.0.113.10  80:31080/TCP  3d",
        )

    def test_secrets_show_type_and_key_count_only(self) -> None:
        self.assertEqual(
            render_table([fixtures.service_account_token()], kind="Secret", wide=False, all_namespaces=True, now=NOW),
            "NAMESPACE  NAME           TYPE                                 DATA  AGE\n"
            "ci         builder-token  kubernetes.io/service-account-token  3     24h",
        )

    def test_events_are_newest_first_with_repeats_and_truncated_messages(self) -> None:
        events = [
            fixtures.event("Pulled", "Successfully pulled image", last_seen_minutes=5),
            fixtures.event("BackOff", "x" * 500, type_="Warning", count=7, first_seen_minutes=60, last_seen_minutes=1),
        ]
        lines = render_table(events, kind="Event", wide=False, all_namespaces=False, now=NOW).splitlines()
        self.assertEqual(lines[0], "LAST SEEN          TYPE     REASON   OBJECT                   MESSAGE")
        self.assertTrue(lines[1].startswith("60s (x7 over 60m)  Warning  BackOff  pod/web-7d9f8b6c5-x2k4p  xxx"))
        self.assertTrue(lines[1].endswith("x…"))
        self.assertEqual(len(lines[1].split("  ")[-1]), 200)
        self.assertEqual(
            lines[2], "5m                 Normal   Pulled   pod/web-7d9f8b6c5-x2k4p  Successfully pulled image"
        )

    def test_other_kinds_fall_back_to_ready_and_status_from_conditions(self) -> None:
        certificates = [
            fixtures.certificate("shop", ready=True, reason="Ready"),
            fixtures.certificate("blog", ready=False, reason="Issuing"),
        ]
        self.assertEqual(
            render_table(certificates, kind="Certificate", wide=False, all_namespaces=False, now=NOW),
            "NAME  READY  STATUS   AGE\nshop  True   Ready    2d\nblog  False  Issuing  2d",
        )

    def test_kinds_without_status_show_name_and_age(self) -> None:
        widget = {"kind": "Widget", "metadata": {"name": "w", "creationTimestamp": ago(seconds=30)}, "spec": {}}
        self.assertEqual(
            render_table([widget], kind="Widget", wide=False, all_namespaces=False, now=NOW), "NAME  AGE\nw     30s"
        )

    def test_cells_never_break_a_row(self) -> None:
        configmap = {"kind": "ConfigMap", "metadata": {"name": "multi\nline", "creationTimestamp": ago(days=1)}}
        table = render_table([configmap], kind="ConfigMap", wide=False, all_namespaces=False, now=NOW)
        self.assertEqual(table, "NAME        DATA  AGE\nmulti line  0     24h")

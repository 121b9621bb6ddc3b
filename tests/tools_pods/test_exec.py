"""exec through the real MCP client: real exit codes, stdout and stderr, stdin, bounds, refusals and the policy."""

from __future__ import annotations

from typing import ClassVar

from tests.live import LiveServerTestCase, when_requested
from tests.tools_pods.fixtures import requests_to, running_pod


def arrange_pods(test_class: type[LiveServerTestCase]) -> None:
    fake = test_class.fake
    fake.add_object(running_pod("box"))
    fake.add_object(running_pod("duo", containers=("app", "sidecar")))
    crashing = running_pod("crashing")
    crashing["status"]["containerStatuses"][0]["state"] = {
        "waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container"}
    }
    fake.add_object(crashing)
    fake.add_object(running_pod("finished", status={"phase": "Succeeded"}))
    fake.add_object(running_pod("secret-keeper", namespace="vault"))


class ExecTests(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {}
    # Answers of up to 256 KiB: room for 64 KiB of stdout and of stderr.
    server_env: ClassVar[dict[str, str]] = {
        "NON_DESTRUCTIVE": "false",
        "RESTRICTED_NAMESPACES": "vault",
        "MAX_RESPONSE_BYTES": "262144",
    }

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        arrange_pods(cls)

    def tearDown(self) -> None:
        self.fake.runtime.set_exec_handler(None)

    def test_it_returns_stdout_and_exit_code_zero(self) -> None:
        text = self.text("exec", namespace="shop", podName="box", command=["echo", "hello", "world"])
        self.assertEqual(text, "Exit code: 0\nStdout:\nhello world\nStderr: (empty)")

    def test_it_returns_the_real_non_zero_exit_code_and_stderr(self) -> None:
        command = ["sh", "-c", "echo partial; echo 'disk full' >&2; exit 3"]
        text = self.text("exec", namespace="shop", podName="box", command=command)
        self.assertEqual(text, "Exit code: 3\nStdout:\npartial\nStderr:\ndisk full")

    def test_stdin_is_fed_to_the_command_and_closed(self) -> None:
        text = self.text("exec", namespace="shop", podName="box", command=["wc", "-l"], stdin="a\nb\nc\n")
        self.assertRegex(text, r"^Exit code: 0\nStdout:\n\s*3\n")

    def test_a_terminal_merges_stderr_into_stdout(self) -> None:
        command = ["sh", "-c", "echo out; echo err >&2"]
        text = self.text("exec", namespace="shop", podName="box", command=command, tty=True)
        self.assertEqual(text, "Exit code: 0\nStdout:\nout\nerr\nStderr: (empty)")

    def test_the_command_runs_in_the_named_container(self) -> None:
        seen: list[tuple[str, str, list[str]]] = []

        def handler(
            namespace: str, pod: str, container: str, argv: list[str], stdin: bytes
        ) -> tuple[bytes, bytes, int]:
            seen.append((pod, container, argv))
            return b"ok\n", b"", 0

        self.fake.runtime.set_exec_handler(handler)
        self.text("exec", namespace="shop", podName="duo", containerName="sidecar", command=["id"])
        self.assertEqual(seen, [("duo", "sidecar", ["id"])])

    def test_large_output_is_bounded_and_the_cut_is_said(self) -> None:
        self.fake.runtime.set_exec_handler(lambda *args: (b"x" * 100_000, b"e" * 10, 0))
        text = self.text("exec", namespace="shop", podName="box", command=["yes"])
        header, rest = text.split("\n", 2)[1:]
        self.assertEqual(header, "Stdout (first 65536 of 100000 bytes; the rest was dropped):")
        stdout, stderr = rest.split("\nStderr:\n")
        self.assertEqual((len(stdout), set(stdout)), (65536, {"x"}))
        self.assertEqual(stderr, "eeeeeeeeee")

    def test_a_command_that_outlives_its_timeout_is_stopped_and_reported(self) -> None:
        message = self.error(
            "exec", namespace="shop", podName="box", command=["sh", "-c", "echo begun; sleep 30"], timeoutSeconds=1
        )
        self.assertIn("the command did not finish within 1s", message)
        self.assertIn("Stdout:\nbegun", message)

    def test_a_command_killed_with_its_pod_reports_exit_code_137(self) -> None:
        self.fake.add_object(running_pod("doomed"))
        when_requested(
            self.fake,
            lambda r: r.subresource == "exec" and r.name == "doomed",
            lambda: self.fake.delete_object("pods", "shop", "doomed"),
        )
        text = self.text("exec", namespace="shop", podName="doomed", command=["sleep", "30"], timeoutSeconds=15)
        self.assertTrue(text.startswith("Exit code: 137\n"), text)

    def test_a_missing_binary_is_a_clear_error(self) -> None:
        message = self.error("exec", namespace="shop", podName="box", command=["kubectl-nope", "--help"])
        self.assertIn('exec: "kubectl-nope": executable file not found in $PATH', message)
        self.assertIn("'kubectl-nope' is not in container app's image", message)

    def test_a_pod_with_several_containers_needs_a_container_name(self) -> None:
        message = self.error("exec", namespace="shop", podName="duo", command=["ls"])
        self.assertIn("pod duo has several containers (app, sidecar); pass containerName", message)

    def test_an_unknown_container_is_refused_with_the_real_names(self) -> None:
        message = self.error("exec", namespace="shop", podName="duo", containerName="db", command=["ls"])
        self.assertIn("pod duo has no container 'db'; its containers are: app, sidecar", message)

    def test_a_container_that_is_not_running_is_refused_with_its_state(self) -> None:
        message = self.error("exec", namespace="shop", podName="crashing", command=["ls"])
        self.assertIn("is not running (waiting: CrashLoopBackOff: back-off 40s", message)
        message = self.error("exec", namespace="shop", podName="finished", command=["ls"])
        self.assertIn("has finished (phase Succeeded)", message)

    def test_an_unknown_pod_is_a_clear_error(self) -> None:
        self.assertIn('pods "ghost" not found', self.error("exec", namespace="shop", podName="ghost", command=["ls"]))

    def test_an_empty_command_is_refused(self) -> None:
        self.assertIn("command", self.error("exec", namespace="shop", podName="box", command=[]))
        self.assertIn("command[0] is empty", self.error("exec", namespace="shop", podName="box", command=[""]))

    def test_a_restricted_namespace_is_refused_and_nothing_is_sent(self) -> None:
        self.fake.clear_requests()
        message = self.error("exec", namespace="vault", podName="secret-keeper", command=["cat", "/etc/shadow"])
        self.assertIn('namespace "vault" is restricted', message)
        self.assertEqual([r for r in self.fake.requests if r.namespace == "vault"], [])

    def test_the_deprecated_alias_still_runs_commands(self) -> None:
        self.assertIn("Exit code: 0", self.text("kubernetes_exec", namespace="shop", podName="box", command=["true"]))


class ExecRefusedInNonDestructiveModeTests(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        arrange_pods(cls)

    def test_exec_is_refused_and_never_reaches_the_cluster(self) -> None:
        message = self.error("exec", namespace="shop", podName="box", command=["rm", "-rf", "/data"])
        self.assertIn("exec is not allowed in non-destructive mode", message)
        self.assertIn("ALLOWED_OPERATIONS=exec", message)
        self.assertEqual(requests_to(self.fake, subresource="exec"), [])

    def test_exec_is_left_out_of_the_tool_list(self) -> None:
        names = self.with_client(lambda client: client.list_tools())
        listed = {tool.name for tool in names.tools}
        self.assertIn("logs", listed)
        self.assertNotIn("exec", listed)


class ExecRefusedEvenWithDryRunTests(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {}
    server_env: ClassVar[dict[str, str]] = {"DRY_RUN": "true"}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        arrange_pods(cls)

    def test_dry_run_does_not_unblock_exec(self) -> None:
        message = self.error("exec", namespace="shop", podName="box", command=["touch", "/tmp/x"])
        self.assertIn("dry-run cannot make it safe", message)
        self.assertEqual(requests_to(self.fake, subresource="exec"), [])


class ExecAllowedByOperationTests(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {}
    server_env: ClassVar[dict[str, str]] = {"ALLOWED_OPERATIONS": "exec", "DRY_RUN": "true"}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        arrange_pods(cls)

    def test_an_allowed_exec_runs_for_real_and_says_dry_run_does_not_apply(self) -> None:
        text = self.text(
            "exec", namespace="shop", podName="box", command=["sh", "-c", "echo made > /tmp/flag; cat /tmp/flag"]
        )
        self.assertEqual(
            text,
            "Exit code: 0\nStdout:\nmade\nStderr: (empty)\n(dry-run does not apply to exec: the command ran for real)",
        )
        self.assertEqual(len(requests_to(self.fake, subresource="exec")), 1)

    def test_output_is_bounded_so_both_streams_fit_the_answer_size_cap(self) -> None:
        self.fake.runtime.set_exec_handler(lambda *args: (b"o" * 200_000, b"e" * 200_000, 1))
        try:
            text = self.text("exec", namespace="shop", podName="box", command=["noisy"])
        finally:
            self.fake.runtime.set_exec_handler(None)
        self.assertIn("Stdout (first 65024 of 200000 bytes; the rest was dropped):", text)
        self.assertIn("Stderr (first 65024 of 200000 bytes; the rest was dropped):", text)
        self.assertLessEqual(len(text.encode()), 128 * 1024)

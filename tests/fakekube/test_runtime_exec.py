"""Exec through `kubernetes.stream.stream`, over a real websocket speaking the channel protocol."""

from __future__ import annotations

import base64
import http.client
import json
import socket
import struct
import threading
import time
from typing import Any

import websocket
import yaml
from kubernetes.client.rest import ApiException
from kubernetes.stream import stream

from tests.fakekube.test_runtime_support import RuntimeTestCase, pod, status_of


class ExecTestCase(RuntimeTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.cluster.add_object(pod("web-1", env=[{"name": "MODE", "value": "production"}]))

    def open(self, command: list[str], name: str = "web-1", **kwargs: Any) -> Any:
        options = {"stdout": True, "stderr": True, "stdin": False, "tty": False, **kwargs}
        session = stream(
            self.api.connect_get_namespaced_pod_exec,
            name,
            "default",
            command=command,
            _preload_content=False,
            **options,
        )
        # The client leaves its socket open once the server has closed the websocket.
        self.addCleanup(session.sock.shutdown)
        self.addCleanup(session.close)
        return session

    def run_command(self, command: list[str], **kwargs: Any) -> tuple[str, str, int]:
        session = self.open(command, **kwargs)
        session.run_forever(timeout=10)
        return session.read_stdout(), session.read_stderr(), session.returncode

    def status_of(self, command: list[str]) -> dict[str, Any]:
        session = self.open(command)
        session.run_forever(timeout=10)
        status: dict[str, Any] = yaml.safe_load(session.read_channel(3))
        return status


class ExecCommandTests(ExecTestCase):
    def test_echo_succeeds_with_its_output_on_stdout(self) -> None:
        self.assertEqual(self.run_command(["echo", "hello", "world"]), ("hello world\n", "", 0))

    def test_the_preloaded_form_returns_the_output(self) -> None:
        output = stream(
            self.api.connect_get_namespaced_pod_exec,
            "web-1",
            "default",
            command=["hostname"],
            stdout=True,
            stderr=True,
            stdin=False,
            tty=False,
        )

        self.assertEqual(output, "web-1\n")

    def test_success_sends_the_kubelets_status(self) -> None:
        self.assertEqual(self.status_of(["true"]), {"metadata": {}, "status": "Success"})

    def test_a_non_zero_exit_is_reported_with_its_code(self) -> None:
        status = self.status_of(["sh", "-c", "exit 3"])

        self.assertEqual(
            status,
            {
                "metadata": {},
                "status": "Failure",
                "message": "command terminated with non-zero exit code: error executing command [sh -c exit 3], "
                "exit code 3",
                "reason": "NonZeroExitCode",
                "details": {"causes": [{"reason": "ExitCode", "message": "3"}]},
            },
        )

    def test_a_missing_executable_fails_like_containerd(self) -> None:
        status = self.status_of(["nosuchtool", "--version"])

        self.assertEqual((status["status"], status["reason"], status["code"]), ("Failure", "InternalError", 500))
        self.assertIn('exec: "nosuchtool": executable file not found in $PATH', status["message"])

    def test_scripts_run_lists_redirects_and_exit(self) -> None:
        script = "echo out; echo err >&2; false && echo never || echo fallback; exit 4"

        self.assertEqual(self.run_command(["sh", "-c", script]), ("out\nfallback\n", "err\n", 4))

    def test_an_unknown_command_in_a_script_exits_127(self) -> None:
        self.assertEqual(self.run_command(["sh", "-c", "frobnicate now"]), ("", "sh: 1: frobnicate: not found\n", 127))
        self.assertEqual(
            self.run_command(["bash", "-c", "frobnicate"])[1:], ("bash: line 1: frobnicate: command not found\n", 127)
        )

    def test_files_come_from_the_pod_and_the_test(self) -> None:
        self.runtime.add_file("default", "web-1", "/app/config.yaml", "port: 8080\n")

        self.assertEqual(self.run_command(["cat", "/etc/hostname", "/app/config.yaml"])[0], "web-1\nport: 8080\n")
        self.assertIn("config.yaml", self.run_command(["ls", "/app"])[0])
        self.assertIn("ID=debian", self.run_command(["cat", "/etc/os-release"])[0])
        self.assertEqual(self.run_command(["cat", "/nope"])[1:], ("cat: /nope: No such file or directory\n", 1))

    def test_files_written_by_exec_persist_in_the_pod(self) -> None:
        self.run_command(["sh", "-c", "echo saved > /tmp/state && echo more >> /tmp/state"])

        self.assertEqual(self.run_command(["cat", "/tmp/state"])[0], "saved\nmore\n")

    def test_env_comes_from_the_container_spec(self) -> None:
        self.cluster.add_object(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "db"},
                "data": {"password": base64.b64encode(b"s3cret").decode()},
            }
        )
        self.cluster.add_object(
            pod(
                "api-1",
                env=[
                    {"name": "MODE", "value": "production"},
                    {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                    {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                ],
            )
        )

        variables = dict(line.split("=", 1) for line in self.run_command(["env"], name="api-1")[0].splitlines())

        self.assertEqual(variables["MODE"], "production")
        self.assertEqual(variables["DB_PASSWORD"], "s3cret")
        self.assertEqual(variables["POD_NAME"], "api-1")
        self.assertEqual(variables["HOSTNAME"], "api-1")
        self.assertIn("KUBERNETES_SERVICE_HOST", variables)
        self.assertEqual(self.run_command(["printenv", "MODE"], name="api-1")[0], "production\n")

    def test_variables_and_substitution_expand_in_scripts(self) -> None:
        output = self.run_command(["sh", "-c", 'NAME=$(hostname); echo "$NAME in $MODE: ${MISSING:-none} $?"'])

        self.assertEqual(output[0], "web-1 in production: none 0\n")

    def test_pipes_and_text_tools(self) -> None:
        self.assertEqual(self.run_command(["sh", "-c", "seq 1 100 | tail -n 2 | wc -l"])[0], "2\n")
        self.assertEqual(self.run_command(["sh", "-c", "printf '%s=%d\\n' a 1 b 2 | grep b"])[0], "b=2\n")

    def test_yes_feeds_a_pipe_until_its_reader_stops(self) -> None:
        self.assertEqual(self.run_command(["sh", "-c", "yes ok | head -n 3"]), ("ok\nok\nok\n", "", 0))

    def test_endless_output_stops_when_the_client_leaves(self) -> None:
        # A bare websocket: the official client's reader never returns while frames keep coming.
        url = f"ws://127.0.0.1:{self.server.port}/api/v1/namespaces/default/pods/web-1/exec?command=yes&stdout=true"
        ws = websocket.create_connection(url, subprotocols=["v5.channel.k8s.io"], timeout=5)
        ws.recv()
        frame = ws.recv()
        assert isinstance(frame, bytes)
        self.assertTrue(frame.startswith(b"\x01y\ny\n"))

        ws.close()

        self.assertStreamsEnd("exec")

    def test_large_output_arrives_whole(self) -> None:
        output = self.run_command(["seq", "200000"])[0]

        self.assertEqual(output.splitlines()[-1], "200000")
        self.assertEqual(len(output.splitlines()), 200000)

    def test_output_streams_while_the_command_runs(self) -> None:
        session = self.open(["sh", "-c", "echo first; sleep 0.5; echo second; sleep 0.2"])

        first = session.readline_stdout(timeout=5)
        after_first = time.monotonic()
        second = session.readline_stdout(timeout=5)

        self.assertEqual((first, second), ("first", "second"))
        self.assertGreater(time.monotonic() - after_first, 0.3)

    def test_sleep_is_bounded(self) -> None:
        self.runtime.max_sleep_seconds = 0.1
        started = time.monotonic()

        self.assertEqual(self.run_command(["sleep", "3600"])[2], 0)
        self.assertLess(time.monotonic() - started, 3)

    def test_stdin_is_read_until_the_client_closes_it(self) -> None:
        session = self.open(["cat"], stdin=True)
        session.write_stdin("line one\nline two\n")
        session.close_channel(0)
        session.run_forever(timeout=10)

        self.assertEqual((session.read_stdout(), session.returncode), ("line one\nline two\n", 0))

    def test_a_tty_merges_stderr_into_stdout_with_crlf(self) -> None:
        stdout, stderr, code = self.run_command(["sh", "-c", "echo out; echo err >&2"], tty=True)

        self.assertEqual((stdout, stderr, code), ("out\r\nerr\r\n", "", 0))

    def test_an_interactive_shell_on_a_terminal_runs_each_line_as_it_is_typed(self) -> None:
        session = self.open(["sh"], stdin=True, tty=True, stderr=False)

        def read_until_prompt(screen: str, prompts: int) -> str:
            deadline = time.monotonic() + 5
            while screen.count("# ") < prompts and time.monotonic() < deadline:
                screen += session.read_stdout(timeout=1)
            return screen

        screen = read_until_prompt("", 1)
        self.assertEqual(screen, "# ")

        session.write_stdin("echo hi\r")
        screen = read_until_prompt(screen, 2)  # the next prompt says the line has run
        session.write_stdin("cd /tmp; pwd\rexti\x7f\x7fit 3\r")
        session.run_forever(timeout=10)
        screen += session.read_stdout()

        self.assertEqual(screen, "# echo hi\r\nhi\r\n# cd /tmp; pwd\r\n/tmp\r\n# exti\b \b\b \bit 3\r\n")
        self.assertEqual(session.returncode, 3)

    def test_a_test_handler_answers_instead_of_the_shell(self) -> None:
        calls = []

        def handler(namespace: str, name: str, container: str, argv: list[str], stdin: bytes) -> Any:
            calls.append((namespace, name, container, argv))
            if argv[0] != "psql":
                return None
            return b" count \n-------\n    42\n", b"", 0

        self.runtime.set_exec_handler(handler)

        self.assertEqual(self.run_command(["psql", "-c", "select count(*)"])[0], " count \n-------\n    42\n")
        self.assertEqual(self.run_command(["whoami"])[0], "root\n")
        self.assertEqual(calls[0], ("default", "web-1", "app", ["psql", "-c", "select count(*)"]))

    def test_a_client_that_vanishes_mid_output_ends_the_session(self) -> None:
        url = (
            f"ws://127.0.0.1:{self.server.port}/api/v1/namespaces/default/pods/web-1/exec"
            "?command=seq&command=5000000&stdout=true"
        )
        ws = websocket.create_connection(url, subprotocols=["v4.channel.k8s.io"], timeout=5)
        ws.recv()
        self.assertEqual(len(self.runtime.open_streams("exec")), 1)

        raw = ws.sock
        assert raw is not None
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset, not close
        raw.close()

        self.assertStreamsEnd("exec")

    def test_deleting_the_pod_kills_the_process(self) -> None:
        session = self.open(["sleep", "30"])
        threading.Timer(0.2, self.cluster.delete_object, ("pods", "default", "web-1")).start()

        session.run_forever(timeout=10)

        self.assertEqual(session.returncode, 137)


class AttachTests(ExecTestCase):
    def attach(self, **kwargs: Any) -> Any:
        options = {"stdout": True, "stderr": True, "stdin": False, "tty": False, **kwargs}
        session = stream(
            self.api.connect_get_namespaced_pod_attach, "web-1", "default", _preload_content=False, **options
        )
        self.addCleanup(session.sock.shutdown)
        self.addCleanup(session.close)
        return session

    def test_an_attached_client_receives_what_the_process_writes_from_then_on(self) -> None:
        self.runtime.set_logs("default", "web-1", "app", ["written before attaching"])
        session = self.attach()
        self.runtime.append_log("default", "web-1", "app", "request served")

        self.assertEqual(session.readline_stdout(timeout=5), "request served")

    def test_the_attachment_ends_with_success_when_the_pod_goes_away(self) -> None:
        session = self.attach()
        threading.Timer(0.2, self.cluster.delete_object, ("pods", "default", "web-1")).start()

        session.run_forever(timeout=10)

        self.assertEqual(session.returncode, 0)

    def test_a_container_that_is_not_running_cannot_be_attached(self) -> None:
        self.cluster.add_object(pod("web-1", phase="Pending"))

        with self.assertRaises(ApiException) as raised:
            self.attach()

        self.assertIn('container not found (\\"app\\")', str(raised.exception.reason))


class ExecRefusalTests(ExecTestCase):
    def handshake_error(self, command: list[str], name: str = "web-1", **kwargs: Any) -> str:
        with self.assertRaises(ApiException) as raised:
            self.open(command, name=name, **kwargs)
        return str(raised.exception.reason)

    def test_a_plain_http_request_must_upgrade(self) -> None:
        with self.assertRaises(ApiException) as raised:
            self.api.connect_get_namespaced_pod_exec("web-1", "default", command=["ls"], stdout=True)

        self.assertEqual(raised.exception.status, 400)
        self.assertEqual(status_of(raised.exception)["message"], "Upgrade request required")

    def test_an_unknown_container_is_refused(self) -> None:
        reason = self.handshake_error(["ls"], container="nope")

        self.assertIn("400", reason)
        self.assertIn("container nope is not valid for pod web-1", reason)

    def test_a_pod_with_several_containers_needs_one_named(self) -> None:
        self.cluster.add_object(pod("web-2", ["app", "sidecar"]))

        self.assertIn("choose one of: [app sidecar]", self.handshake_error(["ls"], name="web-2"))

    def test_a_container_that_is_not_running_is_refused(self) -> None:
        self.cluster.add_object(pod("web-3", phase="Pending"))

        self.assertIn('container not found (\\"app\\")', self.handshake_error(["ls"], name="web-3"))

    def test_a_spdy_upgrade_gets_the_same_refusal_or_the_v4_stream_protocol(self) -> None:
        self.cluster.add_object(pod("web-3", phase="Pending"))

        def spdy_exec(name: str, offered: str = "v4.channel.k8s.io") -> http.client.HTTPResponse:
            connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=5)
            self.addCleanup(connection.close)
            connection.request(
                "POST",
                f"/api/v1/namespaces/default/pods/{name}/exec?command=ls&stdout=true",
                headers={"Connection": "Upgrade", "Upgrade": "SPDY/3.1", "X-Stream-Protocol-Version": offered},
            )
            return connection.getresponse()

        refused = spdy_exec("web-3")
        self.assertEqual(
            json.loads(refused.read())["message"], 'unable to upgrade connection: container not found ("app")'
        )
        upgraded = spdy_exec("web-1")
        self.assertEqual(upgraded.status, 101)
        self.assertEqual(upgraded.headers["X-Stream-Protocol-Version"], "v4.channel.k8s.io")
        self.assertEqual(spdy_exec("web-1", offered="v9.channel.k8s.io").status, 403)

    def test_a_missing_pod_is_404(self) -> None:
        reason = self.handshake_error(["ls"], name="ghost")

        self.assertIn("404", reason)
        self.assertIn('pods \\"ghost\\" not found', reason)


class ChannelProtocolTests(ExecTestCase):
    def connect(self, protocols: list[str], command: str = "hostname") -> websocket.WebSocket:
        url = (
            f"ws://127.0.0.1:{self.server.port}/api/v1/namespaces/default/pods/web-1/exec"
            f"?command={command}&stdout=true&stderr=true"
        )
        ws = websocket.create_connection(url, subprotocols=protocols, timeout=5)
        self.addCleanup(ws.close)
        return ws

    def test_the_server_picks_the_first_protocol_it_supports_from_the_clients_list(self) -> None:
        ws = self.connect(["v9.channel.k8s.io", "v4.channel.k8s.io", "v5.channel.k8s.io"])

        self.assertEqual(ws.getsubprotocol(), "v4.channel.k8s.io")

    def test_an_unsupported_protocol_is_refused(self) -> None:
        with self.assertRaises(websocket.WebSocketBadStatusException) as raised:
            self.connect(["v9.channel.k8s.io"])

        self.assertEqual(raised.exception.status_code, 403)


class DemoUserCommandTests(ExecTestCase):
    """What a user of `kubemcp demo` can reasonably type into exec, in a pod of the seeded demo cluster."""

    def setUp(self) -> None:
        super().setUp()
        self.cluster.seed(pods=3, namespaces=1)
        self.demo_pod = next(
            item
            for item in self.cluster.list_objects("pods")
            if item["status"]["phase"] == "Running" and item["metadata"]["name"] != "web-1"
        )
        self.spec = self.demo_pod["spec"]["containers"][0]

    def run_in_demo_pod(self, *command: str, **kwargs: Any) -> tuple[str, str, int]:
        session = stream(
            self.api.connect_get_namespaced_pod_exec,
            self.demo_pod["metadata"]["name"],
            self.demo_pod["metadata"]["namespace"],
            container=self.spec["name"],
            command=list(command),
            stdout=True,
            stderr=True,
            stdin=False,
            tty=False,
            _preload_content=False,
            **kwargs,
        )
        self.addCleanup(session.sock.shutdown)
        self.addCleanup(session.close)
        session.run_forever(timeout=10)
        return session.read_stdout(), session.read_stderr(), session.returncode

    def test_the_everyday_commands_answer_like_a_debian_container(self) -> None:
        name = self.demo_pod["metadata"]["name"]

        self.assertEqual(self.run_in_demo_pod("hostname"), (f"{name}\n", "", 0))
        self.assertEqual(self.run_in_demo_pod("whoami"), ("root\n", "", 0))
        self.assertEqual(self.run_in_demo_pod("id"), ("uid=0(root) gid=0(root) groups=0(root)\n", "", 0))
        self.assertEqual(self.run_in_demo_pod("pwd"), ("/\n", "", 0))
        self.assertEqual(self.run_in_demo_pod("uname", "-s"), ("Linux\n", "", 0))
        self.assertEqual(self.run_in_demo_pod("date", "-u", "+%Z"), ("UTC\n", "", 0))
        self.assertIn('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"', self.run_in_demo_pod("cat", "/etc/os-release")[0])
        self.assertEqual(self.run_in_demo_pod("echo", "-n", "no newline"), ("no newline", "", 0))

    def test_ls_lists_directories_long_and_short(self) -> None:
        self.assertIn("hostname\n", self.run_in_demo_pod("ls", "/etc")[0])
        long_listing = self.run_in_demo_pod("ls", "-la", "/etc")[0].splitlines()

        self.assertTrue(long_listing[0].startswith("drwxr-xr-x") and long_listing[0].endswith(" ."))
        self.assertTrue(any(line.startswith("-rw-r--r--") and line.endswith(" hostname") for line in long_listing))
        self.assertEqual(
            self.run_in_demo_pod("ls", "/nope")[1:], ("ls: cannot access '/nope': No such file or directory\n", 2)
        )

    def test_env_and_ps_show_the_container_spec(self) -> None:
        variables = dict(line.split("=", 1) for line in self.run_in_demo_pod("env")[0].splitlines())

        self.assertEqual(variables["POD_NAME"], self.demo_pod["metadata"]["name"])
        for entry in self.spec.get("env", []):
            if "value" in entry:
                self.assertEqual(variables[entry["name"]], entry["value"])
        processes = self.run_in_demo_pod("ps")[0].splitlines()
        self.assertEqual(processes[0].split(), ["PID", "USER", "TIME", "COMMAND"])
        self.assertEqual(processes[1].split()[:2], ["1", "root"])

    def test_shell_one_liners_with_pipes_and_discarded_errors(self) -> None:
        self.assertEqual(self.run_in_demo_pod("sh", "-c", "env | grep -c ^KUBERNETES_SERVICE_HOST="), ("1\n", "", 0))
        self.assertEqual(self.run_in_demo_pod("sh", "-c", "cat /missing 2>/dev/null || echo gone"), ("gone\n", "", 0))
        self.assertEqual(
            self.run_in_demo_pod("sh", "-c", "cat < /etc/hostname")[1:],
            ('sh: 1: Syntax error: "<" is not supported by this simulated shell\n', 2),
        )

"""`manage.py serve --transport stdio`: the same server over stdin/stdout, with nothing but protocol on stdout."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from django.test import SimpleTestCase
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from fakekube import FakeCluster
from tests.live import BASE_DIR, run
from tests.transport.processes import command_environment

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}},
}


class StdioTests(SimpleTestCase):
    data_dir: ClassVar[str]
    kubeconfig: ClassVar[str]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        directory = tempfile.TemporaryDirectory(prefix="kubemcp-stdio-")
        cls.addClassCleanup(directory.cleanup)
        cls.data_dir = directory.name
        running = FakeCluster().serve()
        cls.addClassCleanup(running.stop)
        cls.kubeconfig = str(running.write_kubeconfig(Path(cls.data_dir) / "kubeconfig"))

    def environment(self, **overrides: str) -> dict[str, str]:
        # LOG_LEVEL=INFO so that anything logged while serving would show up on the wrong stream, if it could.
        return command_environment(self.data_dir, **{"KUBECONFIG": self.kubeconfig, "LOG_LEVEL": "INFO", **overrides})

    def session(self, *args: str, body: Any, **env: str) -> Any:
        parameters = StdioServerParameters(
            command=sys.executable,
            args=[str(BASE_DIR / "manage.py"), "serve", "--transport", "stdio", *args],
            env=self.environment(**env),
            cwd=str(BASE_DIR),
        )

        async def go() -> Any:
            async with Client(parameters, mode="legacy") as client:
                return await body(client)

        return run(go())

    def test_an_sdk_client_initializes_lists_and_calls_a_tool(self) -> None:
        async def body(client: Any) -> Any:
            tools = await client.list_tools()
            result = await client.call_tool("context_get_current", {})
            return client.server_info.name, [tool.name for tool in tools.tools], result

        name, tools, result = self.session(body=body)
        self.assertEqual(name, "kubemcp")
        self.assertIn("context_list", tools)
        self.assertFalse(result.is_error)
        self.assertTrue(result.content[0].text.startswith("fake"))

    def exchange(
        self, args: tuple[str, ...], messages: list[dict[str, Any]], answers: int
    ) -> tuple[list[Any], str, str]:
        """Send `messages`, read `answers` lines, close stdin; the parsed answers, what followed, and stderr."""
        with tempfile.TemporaryFile("w+") as stderr:
            process = subprocess.Popen(
                [sys.executable, str(BASE_DIR / "manage.py"), "serve", "--transport", "stdio", *args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                cwd=BASE_DIR,
                env=self.environment(),
            )
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write("".join(json.dumps(message) + "\n" for message in messages))
            process.stdin.flush()
            # Any stray text would fail to parse here. Requests are served concurrently, in any order;
            # notifications (log messages about the calls) may come between the answers.
            parsed: list[Any] = []
            notifications: list[Any] = []
            while len(parsed) < answers:
                message = json.loads(process.stdout.readline())
                (parsed if "id" in message else notifications).append(message)
            parsed.sort(key=lambda answer: answer["id"])
            process.stdin.close()  # the end of input ends the server
            rest = "".join(
                line
                for line in process.stdout
                if "id" in json.loads(line) or json.loads(line)["method"] != "notifications/message"
            )
            self.assertTrue(all(note["method"] == "notifications/message" for note in notifications), notifications)
            self.assertEqual(process.wait(timeout=30), 0)
            stderr.seek(0)
            return parsed, rest, stderr.read()

    def test_stdout_carries_only_protocol_messages(self) -> None:
        messages = [
            INITIALIZE,
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
            {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": "context_list", "arguments": {}}},
            {"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "context_use", "arguments": {}}},
        ]
        for args in ((), ("--demo",)):
            with self.subTest(args=args):
                answers, rest, errors = self.exchange(args, messages, answers=4)
                self.assertEqual(rest, "")
                self.assertEqual([answer["id"] for answer in answers], [1, 2, 3, 4])
                self.assertTrue(all(answer["jsonrpc"] == "2.0" for answer in answers))
                self.assertIn("fake", answers[2]["result"]["content"][0]["text"])
                self.assertTrue(answers[3]["result"]["isError"])
                if args:
                    self.assertIn("demo cluster:", errors)
                    self.assertIn('"command"', errors)

    def test_without_a_kubeconfig_it_warns_on_stderr_and_still_serves(self) -> None:
        async def body(client: Any) -> Any:
            return await client.call_tool("context_get_current", {})

        result = self.session(body=body, KUBECONFIG=str(Path(self.data_dir) / "missing"))
        self.assertTrue(result.is_error)
        self.assertIn("no usable kubeconfig", result.content[0].text)

    def test_sigterm_ends_the_server_cleanly(self) -> None:
        process = subprocess.Popen(
            [sys.executable, str(BASE_DIR / "manage.py"), "serve", "--transport", "stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=BASE_DIR,
            env=self.environment(),
        )
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(INITIALIZE) + "\n")
        process.stdin.flush()
        self.assertEqual(json.loads(process.stdout.readline())["id"], 1)  # serving
        process.send_signal(signal.SIGTERM)
        self.assertEqual(process.wait(timeout=10), 0)
        process.stdin.close()
        process.stdout.close()

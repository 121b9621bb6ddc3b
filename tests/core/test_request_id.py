"""Every /mcp request has an id: the client's `X-Request-ID` when it is a short token, else a new one.
It is echoed in the response (JSON, SSE and errors), stored in the tool call's audit record, and carried
by every log line written while the request is served, in both log formats."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import sys
import tempfile
import threading
import unittest
from pathlib import Path
from typing import Any, ClassVar

from django.test import SimpleTestCase
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from fakekube import FakeCluster
from k8stools.log import JsonFormatter, Logger, RequestIdFilter, TextFormatter, bound_request_id
from k8stools.models import AuditRecord
from tests.live import BASE_DIR, LiveServerTestCase, run
from tests.transport.processes import command_environment
from tests.transport.raw import json_rpc_messages, modern_request, send

GENERATED = re.compile(r"[0-9a-f]{32}")
LEGACY: dict[str, str | None] = {"mcp-protocol-version": "2025-11-25"}


def tools_call(request_id: int, name: str = "list", **arguments: Any) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }


class ServerLog:
    """The log a server process wrote, one JSON object per line (other lines are skipped)."""

    def __init__(self, text: str) -> None:
        self.entries = []
        for line in text.splitlines():
            if line.startswith("{"):
                try:
                    self.entries.append(json.loads(line))
                except ValueError:
                    continue

    def of_request(self, request_id: str) -> list[dict[str, Any]]:
        return [entry for entry in self.entries if entry.get("request_id") == request_id]


class RequestIdOverHttpTests(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {"pods": 3, "namespaces": 1}
    # DEBUG: the kubernetes client's lines (urllib3), written in the tool's worker thread, are checked too.
    server_env: ClassVar[dict[str, str]] = {"LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG"}

    def log(self) -> ServerLog:
        return ServerLog(self.server.log_path.read_text(errors="replace"))

    def call_over_http(self, jsonrpc_id: int, headers: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        response = send(self.server.mcp_url, tools_call(jsonrpc_id, resourceType="pods"), headers={**LEGACY, **headers})
        self.assertEqual(response.status_code, 200, response.text)
        [answer] = json_rpc_messages(response)
        self.assertFalse(answer["result"]["isError"], answer)
        return response.headers["x-request-id"], [answer]

    def assert_carried(self, request_id: str, jsonrpc_id: int) -> None:
        """The audit record and the log lines of this call carry `request_id`."""
        record = AuditRecord.objects.get(request_id=request_id)
        self.assertEqual((record.tool, record.outcome), ("list", "ok"))
        lines = self.log().of_request(request_id)
        [tool_call] = [line for line in lines if line["message"] == "tool call"]
        self.assertEqual(
            (tool_call["tool"], tool_call["outcome"], tool_call["jsonrpc_id"]), ("list", "ok", str(jsonrpc_id))
        )
        loggers = {line["logger"] for line in lines}
        self.assertIn("urllib3.connectionpool", loggers)  # the tool's request to the API server, in a worker thread

    def test_a_safe_client_id_is_echoed_stored_and_logged(self) -> None:
        request_id, _ = self.call_over_http(41, {"x-request-id": "client-req.41_A~b"})
        self.assertEqual(request_id, "client-req.41_A~b")
        self.assert_carried(request_id, 41)

    def test_without_an_id_the_server_makes_one(self) -> None:
        request_id, _ = self.call_over_http(42, {})
        self.assertRegex(request_id, GENERATED)
        self.assert_carried(request_id, 42)

    def test_an_id_longer_than_64_characters_is_replaced(self) -> None:
        self.assertEqual(self.call_over_http(43, {"x-request-id": "a" * 64})[0], "a" * 64)
        request_id, _ = self.call_over_http(44, {"x-request-id": "b" * 65})
        self.assertRegex(request_id, GENERATED)
        self.assert_carried(request_id, 44)
        self.assertFalse(AuditRecord.objects.filter(request_id__startswith="bbbb").exists())

    def test_an_id_with_control_characters_spaces_or_quotes_is_replaced(self) -> None:
        for number, unsafe in enumerate(["abc\x01def", "abc\tdef", "two words", 'say"hi"', "a\x7fb", b"caf\xe9"], 45):
            with self.subTest(unsafe=unsafe):
                request_id, _ = self.call_over_http(number, {"x-request-id": unsafe})
                self.assertRegex(request_id, GENERATED)
                self.assert_carried(request_id, number)

    def test_the_2026_era_carries_the_id_too(self) -> None:
        body, headers = modern_request("tools/call", {"name": "list", "arguments": {"resourceType": "pods"}}, 60)
        response = send(self.server.mcp_url, body, headers={**headers, "x-request-id": "modern-60"})
        self.assertEqual(response.headers["x-request-id"], "modern-60")
        [answer] = json_rpc_messages(response)
        self.assertFalse(answer["result"]["isError"], answer)
        self.assert_carried("modern-60", 60)

    def test_refusals_and_errors_carry_the_id(self) -> None:
        refusals = {
            "wrong content type": ({"content-type": "text/plain"}, 415),
            "foreign host": ({"host": "evil.example"}, 421),
            "unknown protocol version": ({"mcp-protocol-version": "1999-01-01"}, 400),
            "not allowed method": ({}, 405),
        }
        for what, (headers, status) in refusals.items():
            with self.subTest(what):
                method = "GET" if status == 405 else "POST"
                response = send(
                    self.server.mcp_url,
                    tools_call(1),
                    headers={**headers, "x-request-id": f"refused-{status}"},
                    method=method,
                )
                self.assertEqual(response.status_code, status)
                self.assertEqual(response.headers["x-request-id"], f"refused-{status}")
                self.assertIn("error", response.json())
        response = send(self.server.mcp_url, raw=b"{not json", headers={"x-request-id": "bad-json"})
        self.assertEqual((response.status_code, response.headers["x-request-id"]), (400, "bad-json"))
        self.assertEqual(response.json()["error"]["code"], -32700)

    def test_answers_as_json_and_as_a_stream_carry_the_id(self) -> None:
        response = send(
            self.server.mcp_url, tools_call(70, resourceType="pods"), headers={**LEGACY, "x-request-id": "json-70"}
        )
        self.assertEqual(response.headers["content-type"], "application/json")
        self.assertEqual(response.headers["x-request-id"], "json-70")
        # An answer slower than MCP_SSE_AFTER_SECONDS (1 s by default) is streamed.
        self.fake.faults.add(path=r"/api/v1/(namespaces/[^/]+/)?pods$", delay=1.5, times=1)
        self.addCleanup(self.fake.faults.clear)
        response = send(
            self.server.mcp_url, tools_call(71, resourceType="pods"), headers={**LEGACY, "x-request-id": "sse-71"}
        )
        self.assertTrue(response.headers["content-type"].startswith("text/event-stream"))
        self.assertEqual(response.headers["x-request-id"], "sse-71")

    def test_two_requests_at_once_keep_their_own_ids(self) -> None:
        self.fake.faults.add(path=r"/api/v1/(namespaces/[^/]+/)?pods$", delay=0.5, times=2)
        self.addCleanup(self.fake.faults.clear)
        ids = [f"parallel-{number}" for number in range(2)]
        threads = [
            threading.Thread(target=self.call_over_http, args=(80 + number, {"x-request-id": request_id}))
            for number, request_id in enumerate(ids)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        for number, request_id in enumerate(ids):
            self.assert_carried(request_id, 80 + number)


class RequestIdInStatefulSessionTests(LiveServerTestCase):
    """A stateful session serves its calls in tasks of the session, not of the requests: each call
    still logs and audits the id of its own request. The text format carries it as `request_id=`."""

    seed: ClassVar[dict[str, int]] = {"pods": 2, "namespaces": 1}
    server_env: ClassVar[dict[str, str]] = {"MCP_STATEFUL": "true", "LOG_FORMAT": "text", "LOG_LEVEL": "INFO"}

    def test_each_call_of_a_session_has_the_id_of_its_request(self) -> None:
        initialize = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "1"},
            },
        }
        opened = send(self.server.mcp_url, initialize, headers={"x-request-id": "opening"})
        self.assertEqual(opened.headers["x-request-id"], "opening")
        session = {**LEGACY, "mcp-session-id": opened.headers["mcp-session-id"]}
        send(self.server.mcp_url, {"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=session)
        for number, request_id in enumerate(("first-call", "second-call"), 2):
            response = send(
                self.server.mcp_url,
                tools_call(number, resourceType="pods"),
                headers={**session, "x-request-id": request_id},
            )
            self.assertEqual(response.headers["x-request-id"], request_id)
            [answer] = json_rpc_messages(response)
            self.assertFalse(answer["result"]["isError"], answer)

        self.assertEqual(
            list(AuditRecord.objects.order_by("pk").values_list("request_id", flat=True)), ["first-call", "second-call"]
        )
        lines = [line for line in self.server.log_path.read_text().splitlines() if "kubemcp: tool call" in line]
        self.assertEqual(len(lines), 2, lines)
        self.assertIn("kubemcp: tool call request_id=first-call tool=list outcome=ok", lines[0])
        self.assertIn("kubemcp: tool call request_id=second-call tool=list outcome=ok", lines[1])
        self.assertNotIn("opening", "".join(lines))


class RequestIdOverStdioTests(SimpleTestCase):
    """Over stdio there is no HTTP request: each call gets an id of its own, for its audit record and its log lines."""

    def test_each_call_has_an_id_of_its_own(self) -> None:
        with tempfile.TemporaryDirectory(prefix="kubemcp-stdio-") as data_dir, FakeCluster().serve() as running:
            kubeconfig = str(running.write_kubeconfig(Path(data_dir) / "kubeconfig"))
            env = command_environment(data_dir, KUBECONFIG=kubeconfig, LOG_FORMAT="json", LOG_LEVEL="INFO")
            parameters = StdioServerParameters(
                command=sys.executable,
                args=[str(BASE_DIR / "manage.py"), "serve", "--transport", "stdio"],
                env=env,
                cwd=str(BASE_DIR),
            )
            stderr_path = Path(data_dir) / "stderr.log"

            async def two_calls() -> None:
                with open(stderr_path, "w") as stderr:
                    async with Client(stdio_client(parameters, errlog=stderr), mode="legacy") as client:
                        for _ in range(2):
                            self.assertFalse((await client.call_tool("context_list", {})).is_error)

            run(two_calls())
            with sqlite3.connect(Path(data_dir) / "db.sqlite3") as database:
                ids = [row[0] for row in database.execute("SELECT request_id FROM k8stools_auditrecord ORDER BY id")]
            logged = [
                entry.get("request_id")
                for entry in ServerLog(stderr_path.read_text()).entries
                if entry["message"] == "tool call"
            ]

        self.assertEqual(len(ids), 2)
        self.assertNotEqual(ids[0], ids[1])
        self.assertTrue(all(GENERATED.fullmatch(request_id) for request_id in ids), ids)
        self.assertEqual(logged, ids)


class RequestIdFilterTests(unittest.TestCase):
    """In process: the filter adds the bound id to our records and to any library's, in both formats."""

    def emit(self, formatter: logging.Formatter, write: Any) -> list[str]:
        lines: list[str] = []
        handler = logging.Handler()
        handler.emit = lambda record: lines.append(formatter.format(record))  # type: ignore[method-assign]
        handler.addFilter(RequestIdFilter())
        for name in ("kubemcp.test", "somelibrary"):
            logger = logging.getLogger(name)
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            logger.propagate = False
            self.addCleanup(setattr, logger, "propagate", True)
            self.addCleanup(logger.removeHandler, handler)
        write()
        return lines

    def write(self) -> None:
        Logger("kubemcp.test").info("tool call", tool="get")
        logging.getLogger("somelibrary").info("connected")
        with bound_request_id("r-1"):
            Logger("kubemcp.test").info("tool call", tool="get")
            thread = threading.Thread(target=logging.getLogger("somelibrary").info, args=("in a thread",))
            thread.start()  # a bare thread does not copy the context (anyio's worker threads do)
            thread.join()
            logging.getLogger("somelibrary").info("connected")

    def test_json_lines_carry_the_id_only_while_a_request_is_served(self) -> None:
        entries = [json.loads(line) for line in self.emit(JsonFormatter(), self.write)]
        self.assertEqual(
            [(entry["message"], entry.get("request_id")) for entry in entries],
            [
                ("tool call", None),
                ("connected", None),
                ("tool call", "r-1"),
                ("in a thread", None),
                ("connected", "r-1"),
            ],
        )
        self.assertEqual(list(entries[2])[4:], ["request_id", "tool"])

    def test_text_lines_carry_the_id(self) -> None:
        lines = self.emit(TextFormatter(), self.write)
        self.assertTrue(lines[2].endswith("kubemcp.test: tool call request_id=r-1 tool=get"), lines[2])
        self.assertTrue(lines[4].endswith("somelibrary: connected request_id=r-1"), lines[4])
        self.assertTrue(lines[1].endswith("somelibrary: connected"), lines[1])

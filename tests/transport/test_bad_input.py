"""Bad input at `/mcp`: each gets the status and JSON-RPC error the specification names, and the server carries on."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import httpx2

from tests.live import LiveServerTestCase
from tests.transport.raw import INITIALIZE, PING, json_rpc_messages, modern_request, send

PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
UNSUPPORTED_PROTOCOL_VERSION = -32022
BODY_LIMIT = 64 * 1024


def peak_memory_mb(pid: int | None) -> int:
    """A process's peak resident memory (VmHWM), in MB."""
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmHWM:"))


def case(name: str, status: int, code: int, **request: Any) -> tuple[str, int, int, dict[str, Any]]:
    return name, status, code, request


class BadInputTestCase(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {"pods": 2, "namespaces": 1}

    def assert_refused(self, name: str, status: int, code: int, request: dict[str, Any]) -> None:
        with self.subTest(name):
            response = send(self.server.mcp_url, **request)
            self.assertEqual(response.status_code, status, response.text)
            content_type = response.headers.get("content-type", "")
            self.assertTrue(content_type.startswith(("application/json", "text/event-stream")), content_type)
            self.assertNotIn("Traceback", response.text)
            messages = json_rpc_messages(response)
            self.assertEqual(len(messages), 1, messages)
            self.assertEqual(messages[0]["jsonrpc"], "2.0")
            self.assertEqual(messages[0]["error"]["code"], code, messages[0])
            self.assertIsInstance(messages[0]["error"]["message"], str)
            self.assert_still_answers()

    def assert_still_answers(self) -> None:
        response = send(self.server.mcp_url, PING)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(json_rpc_messages(response), [{"jsonrpc": "2.0", "id": 1, "result": {}}])


class StatelessBadInputTests(BadInputTestCase):
    server_env: ClassVar[dict[str, str]] = {"MAX_REQUEST_BODY_BYTES": str(BODY_LIMIT)}

    def test_each_bad_input_gets_its_status_and_code(self) -> None:
        modern_unknown, modern_unknown_headers = modern_request("nothing/here")
        modern_no_meta = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        deep = b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":' + b"[" * 20_000 + b"]" * 20_000 + b"}}"
        table = [
            case("malformed JSON", 400, PARSE_ERROR, raw=b'{"jsonrpc": "2.0", "id": 1, "method": '),
            case("not UTF-8", 400, PARSE_ERROR, raw=b'{"jsonrpc": "2.0", "id": 1, "method": "\xff"}'),
            case("a JSON-RPC batch", 400, INVALID_REQUEST, body=[PING, {**PING, "id": 2}]),
            case("a bare string", 400, INVALID_REQUEST, body="ping"),
            case("missing jsonrpc", 400, INVALID_REQUEST, body={"id": 1, "method": "ping"}),
            case("jsonrpc 1.0", 400, INVALID_REQUEST, body={**PING, "jsonrpc": "1.0"}),
            case("a null id", 400, INVALID_REQUEST, body={**PING, "id": None}),
            case("a boolean id", 400, INVALID_REQUEST, body={**PING, "id": True}),
            case("a numeric method", 400, INVALID_REQUEST, body={**PING, "method": 7}),
            case("neither request nor response", 400, INVALID_REQUEST, body={"jsonrpc": "2.0", "id": 1}),
            case("string params", 400, INVALID_REQUEST, body={**PING, "params": "all"}),
            case("array params", 400, INVALID_REQUEST, body={**PING, "method": "tools/list", "params": [1]}),
            case("huge nesting", 400, PARSE_ERROR, raw=deep),
            case(
                "nesting past the SDK parser's depth",
                400,
                PARSE_ERROR,
                raw=b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":' + b"[" * 500 + b"]" * 500 + b"}}",
            ),
            case("an unknown method (2025-11-25)", 200, METHOD_NOT_FOUND, body={**PING, "method": "nothing/here"}),
            case(
                "an unknown method (2026-07-28)",
                404,
                METHOD_NOT_FOUND,
                body=modern_unknown,
                headers=modern_unknown_headers,
            ),
            case(
                "a 2026-07-28 request without _meta",
                400,
                INVALID_PARAMS,
                body=modern_no_meta,
                headers={"mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list"},
            ),
            case(
                "tools/call without a name",
                200,
                INVALID_PARAMS,
                body={**PING, "method": "tools/call", "params": {"arguments": {}}},
            ),
            case(
                "tools/call of an unknown tool",
                200,
                INVALID_PARAMS,
                body={**PING, "method": "tools/call", "params": {"name": "no_such_tool", "arguments": {}}},
            ),
            case("Content-Type text/plain", 415, INVALID_REQUEST, body=PING, headers={"content-type": "text/plain"}),
            case("no Content-Type", 415, INVALID_REQUEST, body=PING, headers={"content-type": None}),
            case("no Accept", 406, INVALID_REQUEST, body=PING, headers={"accept": None}),
            case("Accept: text/html", 406, INVALID_REQUEST, body=PING, headers={"accept": "text/html"}),
            case(
                "Accept without text/event-stream",
                406,
                INVALID_REQUEST,
                body=PING,
                headers={"accept": "application/json"},
            ),
            case(
                "an unsupported MCP-Protocol-Version",
                400,
                UNSUPPORTED_PROTOCOL_VERSION,
                body=PING,
                headers={"mcp-protocol-version": "1999-01-01"},
            ),
            case(
                "a malformed MCP-Protocol-Version",
                400,
                UNSUPPORTED_PROTOCOL_VERSION,
                body=PING,
                headers={"mcp-protocol-version": "not-a-version"},
            ),
            case(
                "a body over MAX_REQUEST_BODY_BYTES",
                413,
                INVALID_REQUEST,
                body={**PING, "params": {"padding": "x" * BODY_LIMIT}},
            ),
            case(
                "a Host that is not ours (DNS rebinding)",
                421,
                INVALID_REQUEST,
                body=PING,
                headers={"host": "evil.example"},
            ),
            case("a disallowed Origin", 403, INVALID_REQUEST, body=PING, headers={"origin": "http://evil.example"}),
            case(
                "GET on a stateless server", 405, INVALID_REQUEST, method="GET", headers={"accept": "text/event-stream"}
            ),
            case(
                "GET without an SSE Accept", 405, INVALID_REQUEST, method="GET", headers={"accept": "application/json"}
            ),
            case("DELETE on a stateless server", 405, INVALID_REQUEST, method="DELETE"),
            case("PUT", 405, INVALID_REQUEST, method="PUT", body=PING),
        ]
        for name, status, code, request in table:
            self.assert_refused(name, status, code, request)

    def test_a_body_just_under_the_limit_is_served(self) -> None:
        body = {**PING, "params": {"_meta": {"padding": "x" * (BODY_LIMIT - 200)}}}
        self.assertLess(len(json.dumps(body)), BODY_LIMIT)
        self.assert_still_answers()
        response = send(self.server.mcp_url, body)
        self.assertEqual(response.status_code, 200, response.text)

    def test_refusals_of_unsupported_versions_name_the_supported_ones(self) -> None:
        response = send(self.server.mcp_url, PING, headers={"mcp-protocol-version": "1999-01-01"})
        data = response.json()["error"]["data"]
        self.assertEqual(data["requested"], "1999-01-01")
        self.assertIn("2025-11-25", data["supported"])
        self.assertIn("2026-07-28", data["supported"])

    def test_a_method_not_allowed_says_which_are(self) -> None:
        response = send(self.server.mcp_url, method="GET", headers={"accept": "text/event-stream"})
        self.assertEqual(response.headers["allow"], "POST")

    def test_a_big_form_body_is_not_parsed_before_the_application(self) -> None:
        # Twisted would parse it into request.args (several copies of the body), for any path, before the app;
        # mcpsite.daphne_bodies turns that off. 16 MB: ~+200 MB of peak memory with the parsing, ~+17 MB without.
        content = b"--XX\r\nContent-Disposition: form-data; name=a\r\n\r\n" + b"x" * (16 << 20) + b"\r\n--XX--\r\n"
        before = peak_memory_mb(self.server.process.pid)
        with httpx2.Client(timeout=60) as client:
            response = client.post(
                f"{self.server.url}/healthz",
                content=content,
                headers={"content-type": "multipart/form-data; boundary=XX"},
            )
        self.assertLess(response.status_code, 500)
        self.assertLess(peak_memory_mb(self.server.process.pid) - before, 80)
        self.assert_still_answers()

    def test_a_notification_is_accepted_without_a_body(self) -> None:
        response = send(self.server.mcp_url, {"jsonrpc": "2.0", "method": "notifications/initialized"})
        self.assertEqual(response.status_code, 202)
        self.assertEqual(response.content, b"")


class StatefulBadInputTests(BadInputTestCase):
    server_env: ClassVar[dict[str, str]] = {"MCP_STATEFUL": "true"}

    def session_id(self) -> str:
        response = send(self.server.mcp_url, INITIALIZE)
        self.assertEqual(response.status_code, 200, response.text)
        return response.headers["mcp-session-id"]

    def test_each_bad_input_gets_its_status_and_code(self) -> None:
        session = self.session_id()
        table = [
            case("an unknown session id", 404, INVALID_REQUEST, body=PING, headers={"mcp-session-id": "not-a-session"}),
            case(
                "GET without an SSE Accept",
                406,
                INVALID_REQUEST,
                method="GET",
                headers={"accept": "application/json", "mcp-session-id": session},
            ),
            case(
                "GET without a session id", 400, INVALID_REQUEST, method="GET", headers={"accept": "text/event-stream"}
            ),
            case(
                "DELETE of an unknown session",
                404,
                INVALID_REQUEST,
                method="DELETE",
                headers={"mcp-session-id": "not-a-session"},
            ),
            case("a request without a session id", 400, INVALID_REQUEST, body={**PING, "method": "tools/list"}),
            case("PUT", 405, INVALID_REQUEST, method="PUT", body=PING),
        ]
        for name, status, code, request in table:
            self.assert_refused(name, status, code, request)

    def assert_still_answers(self) -> None:
        session = self.session_id()
        response = send(self.server.mcp_url, PING, headers={"mcp-session-id": session})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(json_rpc_messages(response), [{"jsonrpc": "2.0", "id": 1, "result": {}}])

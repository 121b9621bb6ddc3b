"""Protocol details the official conformance suite checks (bench/conformance.py runs the whole suite): a refused
protocol version answers the request's own id and lists what `server/discover` lists, an unknown prompt is -32602
in both eras, and stateful mode's session limits come from the settings.

In-process: the whole `/mcp` application as a worker builds it, over ASGI.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
from django.test import SimpleTestCase, override_settings

from mcpsite.mcp_endpoint import build_mcp_application
from tests.transport.raw import INITIALIZE, MCP_HEADERS, modern_request

INVALID_PARAMS, UNSUPPORTED_PROTOCOL_VERSION = -32602, -32022
LEGACY = {"mcp-protocol-version": "2025-11-25"}


class Endpoint:
    """One `/mcp` application and an ASGI client for it, for one event loop."""

    def __init__(self, **settings: Any) -> None:
        with override_settings(ALLOWED_HOSTS=["testserver"], MCP_JSON_RESPONSE=True, **settings):
            self.app = build_mcp_application()

    async def post(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx2.Response:
        transport = httpx2.ASGITransport(app=self.app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.post("/mcp", json=body, headers={**MCP_HEADERS, **(headers or {})})

    async def modern(self, method: str, params: dict[str, Any] | None = None, **headers: str) -> httpx2.Response:
        body, modern_headers = modern_request(method, params, request_id=41)
        if params and "name" in params:
            modern_headers["mcp-name"] = params["name"]
        return await self.post(body, {**modern_headers, **headers})


class UnsupportedVersionTests(SimpleTestCase):
    def test_a_modern_request_is_answered_with_its_id_and_the_versions_server_discover_lists(self) -> None:
        endpoint = Endpoint()

        async def go() -> tuple[httpx2.Response, httpx2.Response]:
            refused = await endpoint.modern("server/discover", **{"mcp-protocol-version": "v999.0.0"})
            discovered = await endpoint.modern("server/discover")
            return refused, discovered

        refused, discovered = asyncio.run(go())
        self.assertEqual(refused.status_code, 400)
        answer = refused.json()
        self.assertEqual(answer["id"], 41)
        self.assertEqual(answer["error"]["code"], UNSUPPORTED_PROTOCOL_VERSION)
        self.assertEqual(answer["error"]["data"]["requested"], "v999.0.0")
        self.assertEqual(answer["error"]["data"]["supported"], discovered.json()["result"]["supportedVersions"])

    def test_a_legacy_request_is_answered_with_its_id_and_every_version_served(self) -> None:
        ping = {"jsonrpc": "2.0", "id": "ping-7", "method": "ping"}
        refused = asyncio.run(Endpoint().post(ping, {"mcp-protocol-version": "1999-01-01"}))
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(refused.json()["id"], "ping-7")
        self.assertLessEqual({"2025-11-25", "2026-07-28"}, set(refused.json()["error"]["data"]["supported"]))

    def test_a_body_that_is_not_json_rpc_gets_a_null_id(self) -> None:
        refused = asyncio.run(Endpoint().post({"id": {"nested": 1}}, {"mcp-protocol-version": "1999-01-01"}))
        self.assertEqual(refused.status_code, 400)
        self.assertIsNone(refused.json()["id"])


class PromptErrorTests(SimpleTestCase):
    def prompt_error(self, era: str, params: dict[str, Any]) -> dict[str, Any]:
        endpoint = Endpoint()
        if era == "modern":
            response = asyncio.run(endpoint.modern("prompts/get", params))
        else:
            body = {"jsonrpc": "2.0", "id": 5, "method": "prompts/get", "params": params}
            response = asyncio.run(endpoint.post(body, LEGACY))
        return response.json()["error"]

    def test_an_unknown_prompt_is_invalid_params_in_both_eras(self) -> None:
        for era in ("legacy", "modern"):
            with self.subTest(era):
                error = self.prompt_error(era, {"name": "no_such_prompt", "arguments": {}})
                self.assertEqual(error["code"], INVALID_PARAMS)
                self.assertEqual(error["message"], "Unknown prompt: no_such_prompt")

    def test_a_missing_required_argument_is_invalid_params_in_both_eras(self) -> None:
        for era in ("legacy", "modern"):
            with self.subTest(era):
                error = self.prompt_error(era, {"name": "troubleshoot_pod", "arguments": {}})
                self.assertEqual(error["code"], INVALID_PARAMS)
                self.assertEqual(error["message"], "Missing required arguments: name")


class StatefulLimitTests(SimpleTestCase):
    def test_past_mcp_max_sessions_a_new_session_is_refused_with_503(self) -> None:
        endpoint = Endpoint(MCP_STATEFUL=True, MCP_MAX_SESSIONS=2)

        async def go() -> list[httpx2.Response]:
            return [await endpoint.post(INITIALIZE) for _ in range(3)]

        opened, again, refused = asyncio.run(go())
        self.assertEqual([opened.status_code, again.status_code], [200, 200])
        self.assertNotEqual(opened.headers["mcp-session-id"], again.headers["mcp-session-id"])
        self.assertEqual(refused.status_code, 503)
        self.assertEqual(refused.json()["error"]["message"], "Too many open sessions")

    def test_a_session_idle_for_mcp_session_idle_seconds_is_closed(self) -> None:
        endpoint = Endpoint(MCP_STATEFUL=True, MCP_SESSION_IDLE_SECONDS=0.2)
        ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}

        async def go() -> tuple[int, int]:
            session = (await endpoint.post(INITIALIZE)).headers["mcp-session-id"]
            headers = {**LEGACY, "mcp-session-id": session}
            first = (await endpoint.post(ping, headers)).status_code
            # Any request resets the idle clock, so there is nothing to poll: wait out the idle time once.
            await asyncio.sleep(1.0)
            return first, (await endpoint.post(ping, headers)).status_code

        self.assertEqual(asyncio.run(go()), (200, 404))

"""Multi-round-trip requests (2026-07-28): the `requestState` one worker seals, another worker opens with the shared
`MCP_REQUEST_STATE_KEY`, and a worker with another key refuses.

Each "worker" is the whole `/mcp` application built as a daphne worker builds it (`build_mcp_application`), with a
prompt that asks the client a question first: kubemcp's own tools and prompts never need a second round, and the
sealing is the same for every carrier.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx2
from django.test import SimpleTestCase, override_settings
from mcp.server.mcpserver import Context
from mcp_types import ElicitRequest, ElicitRequestFormParams, InputRequiredResult

from k8stools.server import KubeMCPServer
from mcpsite.mcp_endpoint import build_mcp_application
from tests.transport.raw import MCP_HEADERS, modern_request

QUESTION = ElicitRequest(
    params=ElicitRequestFormParams(
        message="Scale down for real?",
        requested_schema={"type": "object", "properties": {"sure": {"type": "boolean"}}, "required": ["sure"]},
    )
)


def confirm_scale_down(deployment: str, ctx: Context[Any, Any]) -> str | InputRequiredResult:
    """Round one asks the client; round two answers from the state round one left."""
    if ctx.request_state is None:
        return InputRequiredResult(input_requests={"confirm": QUESTION}, request_state=f"asked-about:{deployment}")
    return f"continued from {ctx.request_state}, answer {ctx.input_responses['confirm'].content}"  # type: ignore[index,union-attr]


def worker(key: str) -> Any:
    """The `/mcp` application of one worker whose environment sets MCP_REQUEST_STATE_KEY=key."""
    with override_settings(MCP_REQUEST_STATE_KEY=key, MCP_JSON_RESPONSE=True, ALLOWED_HOSTS=["testserver"]):
        from django.conf import settings

        server = KubeMCPServer(request_state_key=settings.MCP_REQUEST_STATE_KEY, audit_enabled=False)
        server.prompt(name="confirm_scale_down")(confirm_scale_down)
        return build_mcp_application(server)


async def post(app: Any, method: str, params: dict[str, Any]) -> dict[str, Any]:
    body, headers = modern_request(method, params)
    headers["mcp-name"] = params["name"]
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post("/mcp", json=body, headers={**MCP_HEADERS, **headers})
    return response.json()


def round_trip(first: Any, second: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Round one on `first`, round two (the echoed state and the client's answer) on `second`."""

    async def go() -> tuple[dict[str, Any], dict[str, Any]]:
        params = {"name": "confirm_scale_down", "arguments": {"deployment": "web"}}
        asked = await post(first, "prompts/get", params)
        state = asked["result"]["requestState"]
        answer = {"confirm": {"action": "accept", "content": {"sure": True}}}
        continued = await post(second, "prompts/get", {**params, "requestState": state, "inputResponses": answer})
        return asked, continued

    return asyncio.run(go())


class RequestStateAcrossWorkersTests(SimpleTestCase):
    def test_a_request_one_worker_starts_is_continued_by_another_with_the_shared_key(self) -> None:
        key = secrets.token_urlsafe(48)
        asked, continued = round_trip(worker(key), worker(key))
        self.assertEqual(asked["result"]["resultType"], "input_required")
        self.assertEqual(asked["result"]["inputRequests"]["confirm"]["method"], "elicitation/create")
        # The state leaves sealed, and the client cannot read it.
        self.assertNotIn("asked-about", asked["result"]["requestState"])
        text = continued["result"]["messages"][0]["content"]["text"]
        self.assertEqual(text, "continued from asked-about:web, answer {'sure': True}")

    def test_a_worker_with_another_key_refuses_the_state_with_invalid_params(self) -> None:
        _, continued = round_trip(worker(secrets.token_urlsafe(48)), worker(secrets.token_urlsafe(48)))
        self.assertEqual(continued["error"]["code"], -32602)
        self.assertEqual(continued["error"]["message"], "Invalid or expired requestState")

    def test_state_the_client_edited_is_refused(self) -> None:
        key = secrets.token_urlsafe(48)
        app = worker(key)

        async def go() -> dict[str, Any]:
            params = {"name": "confirm_scale_down", "arguments": {"deployment": "web"}}
            asked = await post(app, "prompts/get", params)
            state = asked["result"]["requestState"]
            forged = state[:-2] + ("AA" if state[-2:] != "AA" else "BB")
            return await post(app, "prompts/get", {**params, "requestState": forged})

        self.assertEqual(asyncio.run(go())["error"]["code"], -32602)

"""CONFIRM_DESTRUCTIVE=ask: a person confirms a destructive change through the SDK client, in both protocol eras
(elicitation on the response stream, an input-required result with sealed state), or nothing is sent; a sealed
confirmation is continued by a second worker with the shared key and cannot be replayed for another call."""

from __future__ import annotations

import contextlib
import secrets
from typing import Any, ClassVar

import anyio
import httpx2
from mcp import Client
from mcp_types import ElicitResult, ErrorData

from k8stools.models import AuditRecord
from tests.live import LiveServer, run, server_environment
from tests.multiworker.backends import redis_url
from tests.tools_write.base import WritingTestCase, configmap
from tests.transport.raw import MCP_HEADERS, json_rpc_messages, modern_request

ERAS = ("legacy", "auto")  # 2025-11-25 (elicitation), 2026-07-28 (input-required results)


class ConfirmationTest(WritingTestCase):
    server_env: ClassVar[dict[str, str]] = {
        "NON_DESTRUCTIVE": "false",
        # 2025-11-25 elicitation needs the session that initialize declared the capability on; stateless
        # requests of that era cannot be asked (CONFIRM_DESTRUCTIVE=ask then proceeds, required refuses).
        "MCP_STATEFUL": "true",
        "CONFIRM_TIMEOUT_SECONDS": "2",
        "MCP_REQUEST_STATE_KEY": secrets.token_urlsafe(48),
    }

    @classmethod
    def setUpClass(cls) -> None:
        # The spent-confirmation record is shared by the workers, as in a team deployment: in a Redis database of
        # this class's own, which no class running beside it in another test process writes to.
        cls._redis = contextlib.ExitStack()
        cls.server_env = {**cls.server_env, "REDIS_URL": redis_url(cls._redis)}
        try:
            super().setUpClass()
        except Exception:
            cls._redis.close()
            raise
        env = server_environment(KUBECONFIG=cls.kubeconfig, DATA_DIR=cls._tmp, **cls.server_env)
        cls.second = LiveServer(env=env)
        try:
            cls.second.start()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls) -> None:
        second = getattr(cls, "second", None)
        if second is not None:
            second.stop()
        try:
            super().tearDownClass()
        finally:
            cls._redis.close()

    def delete_with(self, name: str, answer: str | None, mode: str) -> tuple[Any, list[str]]:
        """Delete configmap `name` through the SDK client; `answer` is the person's (None: no elicitation)."""
        shown: list[str] = []

        async def on_elicit(context: Any, params: Any) -> ElicitResult:
            shown.append(params.message)
            return ElicitResult(action=answer, content={"confirm": True} if answer == "accept" else None)  # type: ignore[arg-type]

        async def go() -> Any:
            options: dict[str, Any] = {"elicitation_callback": on_elicit} if answer is not None else {}
            async with Client(self.server.mcp_url, mode=mode, **options) as client:  # type: ignore[arg-type]
                return await client.call_tool("delete", {"resourceType": "configmaps", "name": name})

        return run(go()), shown

    def test_a_confirmed_delete_is_made_after_the_person_saw_exactly_what_in_both_eras(self) -> None:
        for mode in ERAS:
            with self.subTest(mode=mode):
                self.fake.add_object(configmap(f"confirmed-{mode}", "default"))
                result, shown = self.delete_with(f"confirmed-{mode}", "accept", mode)
                self.assertFalse(result.is_error, result.content[0].text)
                self.assertEqual(len(shown), 1)
                self.assertIn(f'name: "confirmed-{mode}"', shown[0])
                self.assertIn('resourceType: "configmaps"', shown[0])
                self.assertIn('context: "fake"', shown[0])  # the cluster is part of what is confirmed
                # What will change, as the API server's dry run of the same call answered it.
                self.assertIn(f'configmap "confirmed-{mode}" deleted', shown[0])
                self.assertIn("dry run", shown[0].lower())
                self.assertIsNone(self.fake.get_object("configmaps", "default", f"confirmed-{mode}"))

    def test_a_declined_delete_sends_nothing_and_is_audited_as_declined_in_both_eras(self) -> None:
        for mode in ERAS:
            with self.subTest(mode=mode):
                self.fake.add_object(configmap(f"declined-{mode}", "default"))
                self.fake.clear_requests()
                result, shown = self.delete_with(f"declined-{mode}", "decline", mode)
                self.assertTrue(result.is_error)
                self.assertIn("declined", result.content[0].text)
                self.assertEqual(len(shown), 1)
                # Only the dry run that showed the change reached the cluster.
                self.assertEqual(self.fake.mutations(), [])
                self.assertTrue(all(entry.dry_run for entry in self.fake.requests if entry.method != "GET"))
                self.assertIsNotNone(self.fake.get_object("configmaps", "default", f"declined-{mode}"))
                record = AuditRecord.objects.filter(tool="delete", name=f"declined-{mode}").get()
                self.assertEqual(record.outcome, "declined")

    def test_a_person_who_does_not_answer_in_time_has_declined(self) -> None:
        self.fake.add_object(configmap("unanswered", "default"))
        never = anyio.Event()

        async def on_elicit(context: Any, params: Any) -> ElicitResult:
            await never.wait()  # the person walked away
            raise AssertionError("unreachable")

        async def go() -> Any:
            async with Client(self.server.mcp_url, mode="legacy", elicitation_callback=on_elicit) as client:
                return await client.call_tool("delete", {"resourceType": "configmaps", "name": "unanswered"})

        result = run(go())
        self.assertTrue(result.is_error)
        self.assertIn("no answer in time", result.content[0].text)
        self.assertIsNotNone(self.fake.get_object("configmaps", "default", "unanswered"))
        self.assertEqual(AuditRecord.objects.get(tool="delete", name="unanswered").outcome, "declined")

    def test_a_client_that_declared_elicitation_then_fails_to_ask_is_not_a_yes(self) -> None:
        self.fake.add_object(configmap("unasked-error", "default"))

        async def on_elicit(context: Any, params: Any) -> ErrorData:
            return ErrorData(code=-32603, message="no way to show this")

        async def go() -> Any:
            async with Client(self.server.mcp_url, mode="legacy", elicitation_callback=on_elicit) as client:
                return await client.call_tool("delete", {"resourceType": "configmaps", "name": "unasked-error"})

        result = run(go())
        self.assertTrue(result.is_error)
        self.assertIn("could not ask", result.content[0].text)
        self.assertIsNotNone(self.fake.get_object("configmaps", "default", "unasked-error"))

    def test_with_ask_a_client_that_cannot_be_asked_proceeds_as_before(self) -> None:
        self.fake.add_object(configmap("unasked", "default"))
        result, _ = self.delete_with("unasked", None, "legacy")
        self.assertFalse(result.is_error, result.content[0].text)
        self.assertIsNone(self.fake.get_object("configmaps", "default", "unasked"))

    # --- sealed state across workers, and replay ------------------------------------------------

    def send(self, server: LiveServer, arguments: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """One 2026-07-28 tools/call of `delete` by a client that can be asked; the JSON-RPC response."""
        params = {"name": "delete", "arguments": arguments, **extra}
        body, headers = modern_request("tools/call", params)
        body["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"] = {"elicitation": {"form": {}}}
        response = httpx2.post(server.mcp_url, json=body, headers={**MCP_HEADERS, **headers}, timeout=30)
        return json_rpc_messages(response)[-1]

    def post(self, server: LiveServer, arguments: dict[str, Any], **extra: Any) -> dict[str, Any]:
        message = self.send(server, arguments, **extra)
        self.assertIn("result", message, message)
        return message["result"]

    def test_a_confirmation_one_worker_asked_for_is_continued_by_another_and_only_once(self) -> None:
        self.fake.add_object(configmap("across", "default"))
        arguments = {"resourceType": "configmaps", "name": "across"}
        asked = self.post(self.server, arguments)
        self.assertEqual(asked["resultType"], "input_required")
        self.assertIn('name: "across"', asked["inputRequests"]["confirm"]["params"]["message"])
        # Showing the change was a dry run: the object is still there until the person says yes.
        self.assertIsNotNone(self.fake.get_object("configmaps", "default", "across"))
        self.assertTrue(all(entry.dry_run for entry in self.fake.requests if entry.verb == "delete"))
        state = asked["requestState"]
        self.assertNotIn("across", state)  # sealed: the client cannot read or edit it
        answer = {"confirm": {"action": "accept", "content": {"confirm": True}}}
        done = self.post(self.second, arguments, requestState=state, inputResponses=answer)
        self.assertFalse(done.get("isError"), done)
        self.assertIsNone(self.fake.get_object("configmaps", "default", "across"))
        # The same confirmation, sent again to either worker, is spent.
        self.fake.add_object(configmap("across", "default"))
        for server in (self.server, self.second):
            again = self.post(server, arguments, requestState=state, inputResponses=answer)
            self.assertTrue(again["isError"])
            self.assertIn("already used", again["content"][0]["text"])
        self.assertIsNotNone(self.fake.get_object("configmaps", "default", "across"))

    def test_a_confirmation_cannot_be_replayed_for_another_call(self) -> None:
        self.fake.add_object(configmap("harmless", "default"))
        self.fake.add_object(configmap("precious", "default"))
        asked = self.post(self.server, {"resourceType": "configmaps", "name": "harmless"})
        answer = {"confirm": {"action": "accept", "content": {"confirm": True}}}
        self.fake.clear_requests()
        replayed = self.send(
            self.second,
            {"resourceType": "configmaps", "name": "precious"},
            requestState=asked["requestState"],
            inputResponses=answer,
        )
        # The SDK's sealed state is bound to the request it was issued for; kubemcp's own binding (tool,
        # arguments, caller) stands behind it.
        self.assertEqual(replayed["error"]["code"], -32602, replayed)
        self.assertIsNotNone(self.fake.get_object("configmaps", "default", "precious"))
        self.assertEqual(self.fake.requests, [])

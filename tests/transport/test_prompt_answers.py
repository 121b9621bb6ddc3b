"""PromptAnswersAsJson: a stream that is only its answer, ready in time, leaves as one JSON body; anything else
leaves as the SSE stream the SDK wrote, byte for byte."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from django.test import SimpleTestCase

from asgiwire import Receive, Scope, Send
from mcpsite.mcp_http import PromptAnswersAsJson, sole_answer

SSE_HEADERS = [
    (b"cache-control", b"no-cache, no-transform"),
    (b"connection", b"keep-alive"),
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"x-accel-buffering", b"no"),
    (b"mcp-session-id", b"abc"),
]
ANSWER = {"jsonrpc": "2.0", "id": 7, "result": {"content": [{"type": "text", "text": "pods\u2028and more"}]}}
PROGRESS = {"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": 1, "progress": 1}}
QUESTION = {"jsonrpc": "2.0", "id": 1, "method": "elicitation/create", "params": {"message": "sure?"}}


def event(message: Any, *, sep: str = "\r\n", extra: str = "") -> bytes:
    return f"{extra}event: message{sep}data: {json.dumps(message, ensure_ascii=False)}{sep}{sep}".encode()


def body(chunk: bytes, more: bool = True) -> dict[str, Any]:
    return {"type": "http.response.body", "body": chunk, "more_body": more}


def stream(*steps: bytes | float, status: int = 200, headers: list[tuple[bytes, bytes]] | None = None) -> Any:
    """An app that starts an SSE response and then sends each chunk (a float is a pause in seconds)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers or SSE_HEADERS})
        for step in steps:
            if isinstance(step, float):
                await asyncio.sleep(step)
            else:
                await send(body(step))
        await send(body(b"", more=False))

    return app


class PromptAnswersTests(SimpleTestCase):
    # Plain asyncio.run per case: the parallel test runner cannot pickle an IsolatedAsyncioTestCase (it keeps a
    # contextvars.Context).
    def serve(self, app: Any, *, method: str = "POST", after: float = 0.5) -> list[tuple[float, dict[str, Any]]]:
        return asyncio.run(self._serve(app, method=method, after=after))

    async def _serve(self, app: Any, *, method: str = "POST", after: float = 0.5) -> list[tuple[float, dict[str, Any]]]:
        """What the wrapper sent, each with the time it left after the request came."""
        sent: list[tuple[float, dict[str, Any]]] = []
        loop = asyncio.get_running_loop()
        began = loop.time()

        async def send(message: dict[str, Any]) -> None:
            sent.append((loop.time() - began, message))

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        await PromptAnswersAsJson(app, sse_after_seconds=after)({"type": "http", "method": method}, receive, send)
        return sent

    def streamed(self, sent: list[tuple[float, dict[str, Any]]]) -> bytes:
        self.assertEqual(sent[0][1]["headers"], SSE_HEADERS)
        self.assertFalse(sent[-1][1]["more_body"])
        return b"".join(message.get("body", b"") for _, message in sent[1:])

    def test_a_prompt_sole_answer_leaves_as_one_json_body(self) -> None:
        sent = self.serve(stream(event(ANSWER)))
        (_, start), (_, answer) = sent
        headers = dict(start["headers"])
        self.assertEqual(start["status"], 200)
        self.assertEqual(headers[b"content-type"], b"application/json")
        self.assertEqual(int(headers[b"content-length"]), len(answer["body"]))
        self.assertEqual(headers[b"mcp-session-id"], b"abc")
        self.assertNotIn(b"x-accel-buffering", headers)
        self.assertNotIn(b"connection", headers)
        self.assertEqual(json.loads(answer["body"]), ANSWER)
        self.assertFalse(answer.get("more_body", False))

    def test_an_answer_in_pieces_or_with_other_line_ends_is_still_one_answer(self) -> None:
        for sep in ("\n", "\r", "\r\n"):
            with self.subTest(repr(sep)):
                whole = event(ANSWER, sep=sep)
                sent = self.serve(stream(whole[:10], whole[10:31], whole[31:]))
                self.assertEqual(json.loads(sent[-1][1]["body"]), ANSWER)

    def test_a_progress_note_or_a_question_starts_the_stream_at_once(self) -> None:
        for first in (PROGRESS, QUESTION):
            with self.subTest(first["method"]):
                sent = self.serve(stream(event(first), 0.2, event(ANSWER)), after=5.0)
                self.assertEqual(self.streamed(sent), event(first) + event(ANSWER))
                headers_at, _ = sent[0]
                self.assertLess(headers_at, 0.15)  # not held until the answer came 0.2 s later

    def test_a_slow_answer_starts_the_stream_at_the_deadline(self) -> None:
        sent = self.serve(stream(0.4, event(ANSWER)), after=0.05)
        headers_at, _ = sent[0]
        self.assertLess(headers_at, 0.3)
        # daphne holds headers until a body chunk: one follows them at once.
        self.assertEqual(sent[1][1], body(b""))
        self.assertLess(sent[1][0], 0.3)
        self.assertEqual(self.streamed(sent), event(ANSWER))

    def test_anything_but_one_plain_answer_is_streamed_unchanged(self) -> None:
        cases = {
            "two answers": [event(ANSWER), event(ANSWER)],
            "an event id (a resumable stream)": [event(ANSWER, extra="id: 1\r\n")],
            "a comment": [b": ping\r\n\r\n", event(ANSWER)],
            "another event type": [event(ANSWER).replace(b"event: message", b"event: other")],
            "data that is not JSON": [b"event: message\r\ndata: {nope\r\n\r\n"],
            "a request without an answer": [event(QUESTION)],
            "an unfinished event": [event(ANSWER)[:-2]],
        }
        for name, chunks in cases.items():
            with self.subTest(name):
                sent = self.serve(stream(*chunks))
                self.assertEqual(self.streamed(sent), b"".join(chunks))

    def test_other_answers_pass_as_they_are(self) -> None:
        json_answer = [(b"content-type", b"application/json")]
        cases = {
            "a JSON body": (stream(b"{}", headers=json_answer), "POST"),
            "an error status": (stream(event(ANSWER), status=400), "POST"),
            "a GET stream": (stream(event(ANSWER)), "GET"),
        }
        for name, (app, method) in cases.items():
            with self.subTest(name):
                sent = self.serve(app, method=method)
                self.assertEqual(sent[0][1]["headers"], json_answer if "JSON" in name else SSE_HEADERS)
                self.assertIn(event(ANSWER) if "JSON" not in name else b"{}", b"".join(m["body"] for _, m in sent[1:]))

    def test_zero_streams_every_answer(self) -> None:
        sent = self.serve(stream(event(ANSWER)), after=0)
        self.assertEqual(self.streamed(sent), event(ANSWER))

    def test_a_crash_while_holding_leaves_nothing_sent(self) -> None:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
            raise RuntimeError("boom")

        sent: list[dict[str, Any]] = []

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        wrapped = PromptAnswersAsJson(app, sse_after_seconds=0.5)
        with self.assertRaisesRegex(RuntimeError, "boom"):
            asyncio.run(wrapped({"type": "http", "method": "POST"}, self.fail, send))
        self.assertEqual(sent, [])  # so the error wrapper outside can still answer with a JSON-RPC 500

    def test_a_stream_the_app_leaves_unfinished_is_passed_on(self) -> None:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
            await send(body(event(ANSWER)))

        sent = self.serve(app)
        self.assertEqual(sent[0][1]["headers"], SSE_HEADERS)
        self.assertEqual(sent[1][1]["body"], event(ANSWER))


class SoleAnswerTests(SimpleTestCase):
    def test_error_answers_count_and_notifications_do_not(self) -> None:
        error = {"jsonrpc": "2.0", "id": "x", "error": {"code": -32602, "message": "bad"}}
        self.assertEqual(json.loads(sole_answer(event(error)) or b"null"), error)
        self.assertIsNone(sole_answer(event(PROGRESS)))
        self.assertIsNone(sole_answer(event([ANSWER])))
        self.assertIsNone(sole_answer(b""))

    def test_a_data_field_split_over_lines_is_joined(self) -> None:
        self.assertEqual(
            sole_answer(b'data: {"jsonrpc": "2.0", "id": 1,\ndata: "result": {}}\n\n'),
            b'{"jsonrpc": "2.0", "id": 1,\n"result": {}}',
        )

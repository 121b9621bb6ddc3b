"""Progress notifications reach a client that asked for them (a progress callback), in both protocol eras."""

from __future__ import annotations

from typing import Any, ClassVar

from tests.live import LiveServerTestCase
from tests.tools_pods.fixtures import running_pod

FOLLOW = {"namespace": "shop", "podName": "tailed", "follow": True, "followSeconds": 1}


class ProgressTestCase(LiveServerTestCase):
    seed: ClassVar[dict[str, int]] = {}

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.fake.add_object({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
        cls.fake.add_object(running_pod("tailed"))
        cls.fake.runtime.set_logs("shop", "tailed", "app", ["one", "two", "three"])

    def follow(self, mode: str) -> tuple[Any, list[tuple[float, float | None, str | None]]]:
        """`logs` with follow, which reports the lines read as progress; the result and the progress seen."""
        seen: list[tuple[float, float | None, str | None]] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            seen.append((progress, total, message))

        async def body(client: Any) -> Any:
            return await client.call_tool("logs", FOLLOW, progress_callback=on_progress)

        return self.with_client(body, mode=mode), seen


class ProgressTests(ProgressTestCase):
    def test_a_client_with_a_progress_callback_hears_progress_in_both_eras(self) -> None:
        for mode in ("legacy", "auto"):
            with self.subTest(mode):
                result, progress = self.follow(mode)
                self.assertFalse(result.is_error, result.content[0].text)
                self.assertIn("three", result.content[0].text)
                self.assertTrue(progress, "no progress notification arrived")
                self.assertEqual(progress[-1][2], "3 lines")


class JsonResponseProgressTests(ProgressTestCase):
    # A JSON body carries only the response: progress has no wire, and the call must not suffer for it.
    server_env: ClassVar[dict[str, str]] = {"MCP_JSON_RESPONSE": "true"}

    def test_the_call_still_succeeds_without_progress(self) -> None:
        for mode in ("legacy", "auto"):
            with self.subTest(mode):
                result, progress = self.follow(mode)
                self.assertFalse(result.is_error, result.content[0].text)
                self.assertIn("three", result.content[0].text)
                self.assertEqual(progress, [])

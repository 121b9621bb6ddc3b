"""A result over MAX_RESPONSE_BYTES is replaced by the `response_too_large` error, which says how to narrow."""

from __future__ import annotations

import json
from typing import ClassVar

from tests.live import LiveServerTestCase

LIMIT = 2048


class ResponseSizeTests(LiveServerTestCase):
    server_env: ClassVar[dict[str, str]] = {"MAX_RESPONSE_BYTES": str(LIMIT)}
    # Enough kubeconfig contexts that `context_list` answers with more than the limit.
    extra_contexts: ClassVar[tuple[str, ...]] = tuple(f"team-{n:03d}-production-cluster" for n in range(80))

    def test_an_oversized_result_becomes_the_response_too_large_error(self) -> None:
        answer = json.loads(self.error("context_list"))
        self.assertEqual(answer["error"], "response_too_large")
        self.assertEqual(answer["limit"], LIMIT)
        self.assertGreater(answer["bytes"], LIMIT)
        self.assertIn("narrow", answer["hint"])

    def test_a_result_within_the_limit_is_returned_whole(self) -> None:
        self.assertTrue(self.text("context_get_current").startswith("fake"))

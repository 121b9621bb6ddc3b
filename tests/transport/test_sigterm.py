"""SIGTERM stops the server promptly and cleanly, also after a tool ran in a worker thread."""

from __future__ import annotations

import time

from tests.live import LiveServerTestCase


class SigtermTests(LiveServerTestCase):
    def test_the_server_exits_with_zero_soon_after_sigterm_once_a_tool_ran(self) -> None:
        self.assertTrue(self.text("context_get_current").startswith("fake"))
        started = time.monotonic()
        code = self.server.stop(timeout=10)
        self.assertEqual(code, 0, self.server.log())
        self.assertLess(time.monotonic() - started, 5.0)

from __future__ import annotations

import json
import logging
import unittest

from k8stools.log import JsonFormatter, Logger, TextFormatter


class LoggerTests(unittest.TestCase):
    def record(self, logger: Logger, **fields: object) -> logging.LogRecord:
        with self.assertLogs(logger._logger, "INFO") as captured:
            logger.info("tool call", **fields)
        return captured.records[0]

    def test_with_fields_adds_fields_without_changing_the_parent(self) -> None:
        parent = Logger("kubemcp.test").with_fields(request_id="r1")
        child = parent.with_fields(tool="list")
        self.assertEqual(parent.fields, {"request_id": "r1"})
        record = self.record(child, outcome="ok")
        self.assertEqual(record.kubemcp_fields, {"request_id": "r1", "tool": "list", "outcome": "ok"})  # type: ignore[attr-defined]

    def test_text_and_json_formats_carry_the_fields(self) -> None:
        record = self.record(Logger("kubemcp.test").with_fields(tool="get"), outcome="denied")
        self.assertTrue(TextFormatter().format(record).endswith("tool call tool=get outcome=denied"))
        entry = json.loads(JsonFormatter().format(record))
        self.assertEqual(
            (entry["message"], entry["tool"], entry["outcome"], entry["level"]), ("tool call", "get", "denied", "INFO")
        )

"""How an exec's channels become an answer: the exit status, and output kept within its bound."""

from __future__ import annotations

import json
from unittest import TestCase

from k8stools.kube_streams import _BoundedOutput, _exit_status


def status(**fields: object) -> bytes:
    return json.dumps({"metadata": {}, **fields}).encode()


class ExitStatusTests(TestCase):
    def test_success_is_exit_code_zero(self) -> None:
        self.assertEqual(_exit_status(status(status="Success"), ["true"]), (0, ""))

    def test_a_non_zero_exit_code_comes_from_the_causes(self) -> None:
        raw = status(
            status="Failure",
            reason="NonZeroExitCode",
            message="command terminated with non-zero exit code",
            details={"causes": [{"reason": "ExitCode", "message": "3"}]},
        )
        self.assertEqual(_exit_status(raw, ["false"]), (3, ""))

    def test_a_runtime_failure_has_no_exit_code_but_its_message(self) -> None:
        message = 'exec: "nope": executable file not found in $PATH'
        raw = status(status="Failure", reason="InternalError", message=message, details={"causes": [{"message": "x"}]})
        self.assertEqual(_exit_status(raw, ["nope"]), (None, message))

    def test_no_status_at_all_is_said_plainly(self) -> None:
        code, failure = _exit_status(b"", ["sleep", "1"])
        self.assertIsNone(code)
        self.assertIn("before the command reported an exit status", failure)

    def test_a_plain_text_error_is_kept(self) -> None:
        self.assertEqual(_exit_status(b"container not found", ["ls"]), (None, "container not found"))


class BoundedOutputTests(TestCase):
    def test_it_keeps_the_first_bytes_and_counts_the_rest(self) -> None:
        output = _BoundedOutput(5)
        output.add(b"abc")
        output.add(b"defgh")
        self.assertEqual(output.text(tty=False), "abcde")
        self.assertEqual(output.total, 8)

    def test_a_character_cut_by_the_bound_is_left_out(self) -> None:
        output = _BoundedOutput(4)
        output.add("abcé".encode())  # é is two bytes: only its first fits
        self.assertEqual(output.text(tty=False), "abc")

    def test_a_terminal_line_ending_becomes_a_newline(self) -> None:
        output = _BoundedOutput(100)
        output.add(b"one\r\ntwo\r\n")
        self.assertEqual(output.text(tty=True), "one\ntwo\n")
        self.assertEqual(output.text(tty=False), "one\r\ntwo\r\n")

    def test_invalid_bytes_never_push_the_text_over_the_bound(self) -> None:
        output = _BoundedOutput(4)
        output.add(b"\xff\xfe\xfd\xfc")
        self.assertLessEqual(len(output.text(tty=False).encode()), 4)

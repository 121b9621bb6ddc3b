"""The `ports` argument: what is accepted, and what a model is told when it is not."""

from __future__ import annotations

from django.test import SimpleTestCase

from k8stools.portforward.ports import MAX_PORTS, PortRequest, PortSpecError, parse_port, parse_ports


class PortParsingTests(SimpleTestCase):
    def test_it_reads_local_and_remote_ports(self) -> None:
        self.assertEqual(parse_port("8080:80"), PortRequest(local=8080, remote=80))

    def test_a_missing_or_zero_local_port_means_any_free_port(self) -> None:
        for entry in ("80", ":80", "0:80", " 80 "):
            with self.subTest(entry):
                self.assertEqual(parse_port(entry), PortRequest(local=0, remote=80))

    def test_the_remote_port_may_be_a_port_name(self) -> None:
        self.assertEqual(parse_port("9000:http"), PortRequest(local=9000, remote="http"))
        self.assertEqual(parse_port("metrics-2"), PortRequest(local=0, remote="metrics-2"))

    def test_it_refuses_what_cannot_be_a_port_and_says_what_to_send(self) -> None:
        cases = {
            "70000": "must be a number from 1 to 65535 or a port name",
            "0": "must be a number from 1 to 65535 or a port name",
            "8080:0": "must be a number from 1 to 65535 or a port name",
            "99999:80": "local port '99999' in '99999:80' must be a number from 0 to 65535",
            "-1:80": "local port '-1'",
            "a:b:c": "has more than one ':'",
            "": "must be a number from 1 to 65535 or a port name",
            "HTTP": "or a port name",
            "a-very-long-port-name": "or a port name",
            "8080:": "must be a number from 1 to 65535 or a port name",
        }
        for entry, message in cases.items():
            with self.subTest(entry), self.assertRaises(PortSpecError) as raised:
                parse_port(entry)
            self.assertIn(message, str(raised.exception))

    def test_a_list_must_be_non_empty_bounded_and_name_each_local_port_once(self) -> None:
        self.assertEqual(parse_ports(["8080:80", "9090"]), [PortRequest(8080, 80), PortRequest(0, 9090)])
        cases = {
            "empty": ([], "ports is empty"),
            "too many": ([str(port) for port in range(1, MAX_PORTS + 2)], f"at most {MAX_PORTS} ports"),
            "same local": (["8080:80", "8080:81"], "the same local port appears twice"),
        }
        for case, (entries, message) in cases.items():
            with self.subTest(case), self.assertRaises(PortSpecError) as raised:
                parse_ports(entries)
            self.assertIn(message, str(raised.exception))

    def test_several_free_local_ports_and_a_remote_port_twice_are_not_duplicates(self) -> None:
        self.assertEqual(len(parse_ports(["80", "81", "0:82", "9000:80"])), 4)

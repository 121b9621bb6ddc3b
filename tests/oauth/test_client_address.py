"""The client address for rate limits: X-Forwarded-For counts only when the peer is a trusted proxy."""

from __future__ import annotations

from unittest import TestCase

from oauthgw.ratelimit import client_ip, parse_networks, valid_rate

PROXIES = parse_networks(["10.0.0.0/8", "192.0.2.7"])


class ClientAddressTest(TestCase):
    def test_without_trusted_proxies_the_peer_is_the_client(self) -> None:
        self.assertEqual(client_ip("198.51.100.4", "203.0.113.9", []), "198.51.100.4")

    def test_an_untrusted_peer_cannot_claim_another_address(self) -> None:
        self.assertEqual(client_ip("198.51.100.4", "203.0.113.9", PROXIES), "198.51.100.4")

    def test_behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client(self) -> None:
        chain = "1.2.3.4, 203.0.113.9, 10.1.1.1"
        self.assertEqual(client_ip("192.0.2.7", chain, PROXIES), "203.0.113.9")

    def test_garbage_in_the_chain_falls_back_to_the_peer(self) -> None:
        self.assertEqual(client_ip("10.0.0.1", "not-an-address", PROXIES), "10.0.0.1")

    def test_rates_are_django_ratelimit_rates_or_off(self) -> None:
        for rate in ("20/2s", "100/m", "10/h", "off"):
            self.assertTrue(valid_rate(rate), rate)
        for rate in ("10 per second", "10", "/s", "10/2x"):
            self.assertFalse(valid_rate(rate), rate)

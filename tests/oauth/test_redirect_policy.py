"""Which redirect URIs a client may register (the pure policy behind registration and authorize)."""

from __future__ import annotations

import ipaddress
from unittest import TestCase

from oauthgw.addresses import BadHost, address_kind, host_address
from oauthgw.redirects import redirect_uri_problem, scheme_problem

# (host as written in a URL, the address a browser takes it for (WHATWG URL standard, IPv4 parser), its kind)
SPELLINGS = [
    ("0xa9fea9fe", "169.254.169.254", "link-local"),
    ("0xA9.0xFE.0xA9.0xFE", "169.254.169.254", "link-local"),
    ("2852039166", "169.254.169.254", "link-local"),
    ("0251.0376.0251.0376", "169.254.169.254", "link-local"),
    ("169.254.43518", "169.254.169.254", "link-local"),
    ("10.1", "10.0.0.1", "private"),
    ("167772161", "10.0.0.1", "private"),
    ("012.0.0.1", "10.0.0.1", "private"),
    ("0177.0.0.1", "127.0.0.1", "loopback"),
    ("127.1", "127.0.0.1", "loopback"),
    ("0x7f000001", "127.0.0.1", "loopback"),
    ("127.0.0.1.", "127.0.0.1", "loopback"),
    ("%31%32%37.0.0.1", "127.0.0.1", "loopback"),
    ("\uff11\uff12\uff17.\uff10.\uff10.\uff11", "127.0.0.1", "loopback"),  # full-width digits (IDNA)
    ("100.64.0.1", "100.64.0.1", "private"),  # shared address space (carrier-grade NAT), RFC 6598
    ("100.127.255.254", "100.127.255.254", "private"),
    ("192.168.0.1", "192.168.0.1", "private"),
    ("0", "0.0.0.0", "unusable"),
    ("0.0.0.0", "0.0.0.0", "unusable"),
    ("224.0.0.1", "224.0.0.1", "unusable"),
    ("8.8.8.8", "8.8.8.8", "public"),
    ("100.128.0.1", "100.128.0.1", "public"),
    ("::1", "::1", "loopback"),
    ("::", "::", "unusable"),
    ("fe80::1", "fe80::1", "link-local"),
    ("fd00::1", "fd00::1", "private"),
    ("::ffff:169.254.169.254", "::ffff:a9fe:a9fe", "link-local"),  # IPv4-mapped
    ("::ffff:7f00:1", "::ffff:7f00:1", "loopback"),
    ("::a9fe:a9fe", "::a9fe:a9fe", "link-local"),  # IPv4-compatible (deprecated)
    ("64:ff9b::a9fe:a9fe", "64:ff9b::a9fe:a9fe", "link-local"),  # NAT64, RFC 6052
    ("64:ff9b::a00:1", "64:ff9b::a00:1", "private"),
    ("64:ff9b:1::a00:1", "64:ff9b:1::a00:1", "private"),  # local-use NAT64, RFC 8215
    ("2002:a9fe:a9fe::1", "2002:a9fe:a9fe::1", "link-local"),  # 6to4
    ("2001:4860:4860::8888", "2001:4860:4860::8888", "public"),
]


class RedirectPolicyTest(TestCase):
    def test_it_allows_https_loopback_http_and_trusted_custom_schemes(self) -> None:
        for uri in (
            "https://app.example.com/cb",
            "https://127.0.0.1/cb",
            "http://127.0.0.1:4000/cb",
            "http://localhost/cb",
            "http://[::1]:5/cb",
        ):
            with self.subTest(uri=uri):
                self.assertIsNone(redirect_uri_problem(uri))
        self.assertIsNone(redirect_uri_problem("cursor://cb", trusted_schemes=["cursor"]))

    def test_it_refuses_what_could_leak_a_code(self) -> None:
        for uri in (
            "http://app.example.com/cb",
            "https://app.example.com/cb#x",
            "https://u:p@app.example.com/cb",
            "javascript:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
            "cursor://cb",
            "https:///cb",
            "relative/path",
            "",
            "https://app.example.com/a b",
            "https://app.example.com:99999/cb",
        ):
            with self.subTest(uri=uri):
                self.assertIsNotNone(redirect_uri_problem(uri))

    def test_private_and_link_local_addresses_need_an_opt_in(self) -> None:
        self.assertIsNotNone(redirect_uri_problem("https://192.168.1.10/cb"))
        self.assertIsNone(redirect_uri_problem("https://192.168.1.10/cb", allow_private_ips=True))
        self.assertIsNotNone(redirect_uri_problem("https://169.254.169.254/cb", allow_private_ips=True))

    def test_a_script_scheme_can_never_be_trusted(self) -> None:
        self.assertIsNotNone(redirect_uri_problem("javascript:x", trusted_schemes=["javascript"]))
        self.assertIsNotNone(scheme_problem("javascript"))
        self.assertIsNotNone(scheme_problem("Bad_Scheme"))
        self.assertIsNotNone(scheme_problem("https"))
        self.assertIsNone(scheme_problem("vscode"))

    def test_every_spelling_of_an_address_is_read_as_a_browser_reads_it(self) -> None:
        for host, address, kind in SPELLINGS:
            with self.subTest(host=host):
                denoted = host_address(host)
                self.assertEqual(denoted, ipaddress.ip_address(address))
                assert denoted is not None
                self.assertEqual(address_kind(denoted), kind)

    def test_names_are_names_and_broken_numbers_are_refused(self) -> None:
        for host in ("app.example.com", "localhost", "1e1", "xn--nxasmq6b.example", "0x.example.com", "0x1g"):
            with self.subTest(host=host):
                self.assertIsNone(host_address(host))
        for host in ("1.2.3.4.5", "256.0.0.1", "1.2.3.99999999", "app.123", "1..2", "fe80::1%25eth0"):
            with self.subTest(host=host), self.assertRaises(BadHost):
                host_address(host)

    def test_it_refuses_private_and_metadata_addresses_in_any_spelling(self) -> None:
        # Issue #24: these were accepted at registration and used at authorize.
        for host, _address, kind in SPELLINGS:
            uri = f"https://{host if ':' not in host else f'[{host}]'}/cb"
            with self.subTest(uri=uri):
                problem = redirect_uri_problem(uri)
                canonical = host in ("8.8.8.8", "100.128.0.1", "2001:4860:4860::8888", "::1", "::ffff:7f00:1")
                if kind in ("public", "loopback") and (canonical or ":" in host):
                    self.assertIsNone(problem)
                else:
                    self.assertIsNotNone(problem)
        for uri in ("https://0xa9fea9fe/cb", "https://10.1/cb", "https://167772161/cb", "https://0177.0.0.1/cb"):
            with self.subTest(uri=uri):
                self.assertIsNotNone(redirect_uri_problem(uri, allow_private_ips=True))

    def test_a_name_is_judged_on_the_addresses_it_resolves_to_when_a_resolver_is_given(self) -> None:
        answers = {
            "metadata.example.com": [ipaddress.ip_address("169.254.169.254")],
            "split.example.com": [ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("10.0.0.1")],
            "public.example.com": [ipaddress.ip_address("8.8.8.8")],
        }

        def resolve(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
            return answers.get(host, [])

        self.assertIsNotNone(redirect_uri_problem("https://metadata.example.com/cb", resolve=resolve))
        self.assertIsNotNone(redirect_uri_problem("https://split.example.com/cb", resolve=resolve))
        self.assertIsNone(redirect_uri_problem("https://split.example.com/cb", resolve=resolve, allow_private_ips=True))
        self.assertIsNone(redirect_uri_problem("https://public.example.com/cb", resolve=resolve))
        self.assertIsNone(redirect_uri_problem("https://unresolvable.example.com/cb", resolve=resolve))


class ClientIdDocumentAddressTest(TestCase):
    """Client-id metadata documents are fetched by django-oauth-toolkit's fetcher, which resolves the host with
    getaddrinfo (so every inet_aton spelling becomes its address) and refuses any non-global answer. Pinned
    here so that an upgrade that loosens it fails a test."""

    def test_the_fetcher_refuses_private_and_metadata_addresses_in_any_spelling(self) -> None:
        from oauth2_provider.cimd import CIMDError, _resolve_and_validate

        for host in ("0xa9fea9fe", "10.1", "167772161", "0177.0.0.1", "127.1", "100.64.0.1", "0",
                     "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "::1"):  # fmt: skip
            with self.subTest(host=host), self.assertRaises(CIMDError):
                _resolve_and_validate(host, 443)

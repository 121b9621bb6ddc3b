"""Which redirect URIs a client may register (the pure policy behind registration and authorize)."""

from __future__ import annotations

from unittest import TestCase

from oauthgw.redirects import redirect_uri_problem, scheme_problem


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

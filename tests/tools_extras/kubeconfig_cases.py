"""kubeconfig_view, mixed into the live test classes of test_live.py, and its pure parts."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from django.test import SimpleTestCase

from k8stools.tools.kubeconfig import merged_kubeconfig, minify, url_without_credentials, without_credentials

if TYPE_CHECKING:
    from tests.live import LiveServerTestCase as Base
else:
    Base = object


class KubeconfigViewCases(Base):
    """The class's kubeconfig has contexts fake, other and alice (alice with token alice-secret-token)."""

    def test_it_shows_the_current_context_only_minified(self) -> None:
        config = yaml.safe_load(self.text("kubeconfig_view"))
        self.assertEqual(config["current-context"], "fake")
        self.assertEqual([c["name"] for c in config["contexts"]], ["fake"])
        self.assertEqual(len(config["clusters"]), 1)
        self.assertEqual(len(config["users"]), 1)

    def test_all_shows_every_context_without_any_credential(self) -> None:
        text = self.text("kubeconfig_view", all=True)
        self.assertNotIn("alice-secret-token", text)
        config = yaml.safe_load(text)
        self.assertEqual({c["name"] for c in config["contexts"]}, {"fake", "other", "alice"})
        alice_user = next(c["context"]["user"] for c in config["contexts"] if c["name"] == "alice")
        user = next(u["user"] for u in config["users"] if u["name"] == alice_user)
        self.assertEqual(user["token"], "REDACTED")

    def test_the_context_argument_picks_the_context_shown(self) -> None:
        config = yaml.safe_load(self.text("kubeconfig_view", context="alice"))
        self.assertEqual(config["current-context"], "alice")
        self.assertEqual(config["users"][0]["user"]["token"], "REDACTED")

    def test_proxy_credentials_and_extensions_never_show(self) -> None:
        path = Path(self.kubeconfig)
        original = path.read_text()
        config = yaml.safe_load(original)
        for cluster in config["clusters"]:
            cluster["cluster"]["proxy-url"] = "http://proxyuser:proxy-pa55w0rd@proxy.example:3128"
            cluster["cluster"]["extensions"] = [{"name": "vendor", "extension": {"apiKey": "ext-k3y"}}]
        try:
            path.write_text(yaml.safe_dump(config))
            text = self.text("kubeconfig_view", all=True)
        finally:
            path.write_text(original)
        self.assertNotIn("proxy-pa55w0rd", text)
        self.assertNotIn("ext-k3y", text)
        self.assertIn("proxy-url: http://proxy.example:3128", text)

    def test_an_unknown_context_is_a_tool_error_naming_the_known_ones(self) -> None:
        self.assertIn("fake", self.error("kubeconfig_view", context="nowhere"))


class KubeconfigFunctionTests(SimpleTestCase):
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "prod",
        "clusters": [{"name": "c", "cluster": {"server": "https://k", "certificate-authority-data": "Q0E="}}],
        "contexts": [{"name": "prod", "context": {"cluster": "c", "user": "u"}}],
        "users": [
            {
                "name": "u",
                "user": {
                    "client-key-data": "S0VZ",
                    "client-certificate-data": "Q0VSVA==",
                    "exec": {"command": "aws", "env": [{"name": "AWS_SECRET", "value": "s3cr3t"}]},
                    "auth-provider": {"name": "oidc", "config": {"refresh-token": "r3fr3sh"}},
                    "username": "admin",
                    "password": "pa55",
                },
            }
        ],
    }

    def test_every_credential_is_redacted_and_certificate_data_omitted(self) -> None:
        shown = yaml.safe_dump(without_credentials(minify(self.config, "prod")))
        for secret in ("S0VZ", "Q0VSVA==", "s3cr3t", "r3fr3sh", "pa55", "Q0E="):
            self.assertNotIn(secret, shown)
        self.assertIn("username: admin", shown)
        self.assertIn("DATA+OMITTED", shown)

    def test_merging_keeps_the_first_file_s_entries_and_current_context(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            first, second = Path(folder) / "a", Path(folder) / "b"
            first.write_text(yaml.safe_dump({"current-context": "one", "contexts": [{"name": "one", "context": {}}]}))
            second.write_text(
                yaml.safe_dump(
                    {"current-context": "two", "contexts": [{"name": "one", "context": {"x": 1}}, {"name": "two"}]}
                )
            )
            merged = merged_kubeconfig([first, second, Path(folder) / "missing"])
        self.assertEqual(merged["current-context"], "one")
        self.assertEqual(merged["contexts"], [{"name": "one", "context": {}}, {"name": "two"}])

    def test_a_kubeconfig_that_is_not_yaml_is_a_clear_error(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "broken"
            path.write_text("clusters: [")
            with self.assertRaisesMessage(Exception, "cannot be read"):
                merged_kubeconfig([path])

    def test_only_allow_listed_fields_are_shown(self) -> None:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "prod",
            "preferences": {"extensions": [{"name": "p", "extension": {"secret": "pref-s3cret"}}]},
            "extensions": [{"name": "top", "extension": {"token": "top-s3cret"}}],
            "clusters": [
                {
                    "name": "c",
                    "cluster": {
                        "server": "https://admin:srv-pa55@k.example:6443/base?token=q-s3cret#frag",
                        "proxy-url": "http://proxyuser:proxy-pa55@proxy.example:3128",
                        "certificate-authority": "/etc/ca.pem",
                        "insecure-skip-tls-verify": False,
                        "tls-server-name": "k.example",
                        "extensions": [{"name": "x", "extension": {"apiKey": "ext-s3cret"}}],
                    },
                }
            ],
            "contexts": [
                {
                    "name": "prod",
                    "context": {
                        "cluster": "c",
                        "user": "u",
                        "namespace": "shop",
                        "extensions": [{"name": "y", "extension": "ctx-s3cret"}],
                    },
                }
            ],
            "users": [
                {
                    "name": "u",
                    "user": {"token": "tok-s3cret", "username": "admin", "as-user-extra": {"k": ["extra-s3cret"]}},
                }
            ],
        }
        shown = without_credentials(config)
        text = yaml.safe_dump(shown)
        for secret in ("srv-pa55", "proxy-pa55", "q-s3cret", "ext-s3cret", "ctx-s3cret", "tok-s3cret", "s3cret"):
            self.assertNotIn(secret, text)
        cluster = shown["clusters"][0]["cluster"]
        self.assertEqual(cluster["server"], "https://k.example:6443/base")
        self.assertEqual(cluster["proxy-url"], "http://proxy.example:3128")
        self.assertEqual(cluster["certificate-authority"], "DATA+OMITTED")
        self.assertIs(cluster["insecure-skip-tls-verify"], False)
        self.assertEqual(shown["contexts"][0]["context"], {"cluster": "c", "user": "u", "namespace": "shop"})
        self.assertEqual(shown["users"][0]["user"]["username"], "admin")
        self.assertEqual(shown["users"][0]["user"]["token"], "REDACTED")
        self.assertNotIn("preferences", shown)
        self.assertNotIn("extensions", shown)

    def test_a_url_that_cannot_be_read_is_redacted(self) -> None:
        self.assertEqual(url_without_credentials("http://u:p@host:notaport"), "REDACTED")
        self.assertEqual(url_without_credentials(["not", "a", "url"]), "REDACTED")
        self.assertEqual(url_without_credentials("https://[::1]:6443"), "https://[::1]:6443")

    def test_a_yaml_error_names_the_position_but_never_quotes_the_file(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "broken"
            path.write_text("users:\n- name: u\n  user: {token: leaked-t0ken]}\n")
            with self.assertRaises(Exception) as raised:
                merged_kubeconfig([path])
        self.assertIn("line ", str(raised.exception))
        self.assertNotIn("leaked-t0ken", str(raised.exception))

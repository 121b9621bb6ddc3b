"""An unauthenticated client learns where to log in: the 401 challenge and the metadata documents."""

from __future__ import annotations

import requests

from tests.oauth.base import OAuthLiveTestCase


class DiscoveryTest(OAuthLiveTestCase):
    def test_mcp_without_a_token_answers_401_with_a_challenge_naming_the_resource_metadata(self) -> None:
        response = self.mcp_post(None)
        self.assertEqual(response.status_code, 401)
        challenge = response.headers["WWW-Authenticate"]
        self.assertTrue(challenge.startswith("Bearer "), challenge)
        self.assertIn(f'resource_metadata="{self.base_url}/.well-known/oauth-protected-resource/mcp"', challenge)
        self.assertIn('scope="mcp"', challenge)
        body = response.json()
        self.assertEqual(body["jsonrpc"], "2.0")
        self.assertEqual(body["error"]["data"]["error"], "invalid_request")

    def test_the_protected_resource_metadata_names_mcp_and_this_authorization_server(self) -> None:
        document = requests.get(f"{self.base_url}/.well-known/oauth-protected-resource/mcp", timeout=10).json()
        self.assertEqual(document["resource"], f"{self.base_url}/mcp")
        self.assertEqual(document["authorization_servers"], [self.base_url])
        self.assertEqual(document["scopes_supported"], ["mcp", "mcp:read"])
        self.assertEqual(document["bearer_methods_supported"], ["header"])

    def test_there_is_no_root_protected_resource_document_naming_mcp(self) -> None:
        # RFC 9728 section 3.3: the resource in a document must be the URL it was fetched under without the
        # well-known part; a root document naming /mcp is one a client must reject.
        response = requests.get(f"{self.base_url}/.well-known/oauth-protected-resource", timeout=10)
        self.assertEqual(response.status_code, 404)

    def test_the_authorization_server_metadata_offers_only_what_is_accepted(self) -> None:
        document = requests.get(f"{self.base_url}/.well-known/oauth-authorization-server", timeout=10).json()
        self.assertEqual(document["issuer"], self.base_url)
        self.assertEqual(document["authorization_endpoint"], f"{self.base_url}/o/authorize/")
        self.assertEqual(document["token_endpoint"], f"{self.base_url}/o/token/")
        self.assertEqual(document["registration_endpoint"], f"{self.base_url}/o/register/")
        self.assertEqual(document["revocation_endpoint"], f"{self.base_url}/o/revoke_token/")
        self.assertEqual(document["introspection_endpoint"], f"{self.base_url}/o/introspect/")
        self.assertEqual(document["response_types_supported"], ["code"])
        self.assertEqual(sorted(document["grant_types_supported"]), ["authorization_code", "refresh_token"])
        self.assertEqual(document["code_challenge_methods_supported"], ["S256"])
        self.assertTrue(document["authorization_response_iss_parameter_supported"])
        self.assertTrue(document["client_id_metadata_document_supported"])
        self.assertEqual(document["scopes_supported"], ["mcp", "mcp:read"])
        # RFC 8414 section 2 / RFC 7662 section 2.1: introspection needs client authentication, so no "none".
        self.assertEqual(
            sorted(document["introspection_endpoint_auth_methods_supported"]),
            ["client_secret_basic", "client_secret_post"],
        )

    def test_the_openid_configuration_is_the_same_document(self) -> None:
        oauth = requests.get(f"{self.base_url}/.well-known/oauth-authorization-server", timeout=10).json()
        openid = requests.get(f"{self.base_url}/.well-known/openid-configuration", timeout=10).json()
        self.assertEqual(openid, oauth)

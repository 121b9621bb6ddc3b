from __future__ import annotations

import uuid
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model
from oauth2_provider.settings import oauth2_settings

from mcpsite.figures import collect
from oauthgw import bearer
from oauthgw.identifiers import MCP_SCOPE, audience
from oauthgw.models import LAST_USE_PRECISION, ClientRegistration, UpstreamToken
from tests.admin.base import AdminTestCase

Application = get_application_model()
AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()


class OAuthAdminTests(AdminTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.app = Application.objects.create(
            name="Claude Desktop",
            client_type=Application.CLIENT_PUBLIC,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris="http://127.0.0.1:33418/callback",
        )
        ClientRegistration.objects.create(application=self.app, ip_address="198.51.100.7")
        self.family = uuid.uuid4()

    def issue(self, raw: str, *, refresh: str | None = None) -> object:
        token = AccessToken.objects.create(
            user=self.charlie,
            application=self.app,
            token=raw,
            token_checksum=bearer.checksum(raw),
            expires=timezone.now() + timedelta(hours=1),
            scope=MCP_SCOPE,
            resource=[audience()],
        )
        if refresh:
            RefreshToken.objects.create(
                user=self.charlie,
                application=self.app,
                token=refresh,
                token_checksum=bearer.checksum(refresh),
                access_token=token,
                token_family=self.family,
            )
        return token

    def test_it_lists_clients_with_registration_and_live_token_count(self) -> None:
        self.issue("access-one-0123456789")
        self.issue("access-two-0123456789")
        self.client.force_login(self.bob)
        response = self.client.get("/admin/oauth2_provider/application/")
        self.assertContains(response, "Claude Desktop")
        self.assertContains(response, "198.51.100.7")
        self.assertContains(response, '<td class="field-live_tokens">2</td>', html=False)

    def test_a_clients_registration_token_is_neither_counted_nor_listed_as_a_users_token(self) -> None:
        self.issue("access-one-0123456789")
        AccessToken.objects.create(  # what DOT issues with each registration, for RFC 7592 client management
            user=None,
            application=self.app,
            token_checksum=bearer.checksum("registration-0123456789"),
            expires=timezone.now() + timedelta(days=3650),
            scope=oauth2_settings.DCR_REGISTRATION_SCOPE,
        )
        self.client.force_login(self.bob)
        clients = self.client.get("/admin/oauth2_provider/application/")
        self.assertContains(clients, '<td class="field-live_tokens">1</td>', html=False)
        tokens = self.client.get("/admin/oauth2_provider/accesstoken/")
        self.assertContains(tokens, "1 access token")
        self.assertNotContains(tokens, oauth2_settings.DCR_REGISTRATION_SCOPE)
        self.assertEqual(collect().active_tokens, 1)

    def test_the_client_list_shows_when_mcp_last_accepted_a_token_of_the_client(self) -> None:
        self.issue("access-used-0123456789")
        self.client.force_login(self.bob)
        self.assertContains(
            self.client.get("/admin/oauth2_provider/application/"), '<td class="field-last_used">-</td>', html=False
        )
        before = timezone.now()
        bearer.verify("access-used-0123456789")
        used = ClientRegistration.objects.get().last_used
        self.assertIsNotNone(used)
        self.assertGreaterEqual(used, before)
        cache.clear()
        bearer.verify("access-used-0123456789")  # within the precision: no second write
        self.assertEqual(ClientRegistration.objects.get().last_used, used)
        ClientRegistration.objects.update(last_used=used - LAST_USE_PRECISION - timedelta(seconds=1))
        cache.clear()
        bearer.verify("access-used-0123456789")
        self.assertGreaterEqual(ClientRegistration.objects.get().last_used, before)
        self.assertNotContains(
            self.client.get("/admin/oauth2_provider/application/"), '<td class="field-last_used">-</td>', html=False
        )

    def test_client_list_queries_do_not_grow_with_clients(self) -> None:
        self.client.force_login(self.bob)
        url = "/admin/oauth2_provider/application/"
        self.client.get(url)
        with self.assertNumQueries(7) as one_client:  # session, user, permissions x2, count, page, filter dates
            self.client.get(url)
        for index in range(5):
            app = Application.objects.create(
                name=f"c{index}", client_type="public", authorization_grant_type="authorization-code"
            )
            ClientRegistration.objects.create(application=app, ip_address="198.51.100.8")
        with self.assertNumQueries(len(one_client.captured_queries)):
            self.client.get(url)

    def test_token_pages_never_show_a_token_or_its_checksum(self) -> None:
        token = self.issue("access-secret-0123456789", refresh="refresh-secret-0123456789")
        self.client.force_login(self.alice)
        for url in (
            "/admin/oauth2_provider/accesstoken/",
            f"/admin/oauth2_provider/accesstoken/{token.pk}/change/",
            "/admin/oauth2_provider/refreshtoken/",
            f"/admin/oauth2_provider/refreshtoken/{RefreshToken.objects.get().pk}/change/",
        ):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            for secret in ("access-secret", "refresh-secret", bearer.checksum("access-secret-0123456789")):
                self.assertNotContains(response, secret)
        self.assertContains(self.client.get("/admin/oauth2_provider/accesstoken/"), "charlie")

    def test_revoking_a_token_is_refused_at_mcp_at_once_with_its_refresh_family(self) -> None:
        token = self.issue("access-live-0123456789", refresh="refresh-live-0123456789")
        sibling = self.issue("access-sibling-0123456789")
        RefreshToken.objects.create(
            user=self.charlie,
            application=self.app,
            token="r2",
            token_checksum=bearer.checksum("r2"),
            access_token=sibling,
            token_family=self.family,
        )
        self.assertEqual(bearer.verify("access-live-0123456789").username, "charlie")  # now cached
        self.client.force_login(self.bob)
        response = self.client.post(
            "/admin/oauth2_provider/accesstoken/",
            {"action": "revoke_tokens", "_selected_action": [str(token.pk)]},
            follow=True,
        )
        self.assertContains(response, "1 access token(s) revoked")
        with self.assertRaisesMessage(bearer.BearerError, "unknown or revoked"):
            bearer.verify("access-live-0123456789")
        with self.assertRaisesMessage(bearer.BearerError, "unknown or revoked"):
            bearer.verify("access-sibling-0123456789")
        self.assertFalse(RefreshToken.objects.filter(revoked__isnull=True).exists())

    def test_disabling_a_client_stops_all_its_tokens(self) -> None:
        self.issue("access-a-0123456789", refresh="refresh-a-0123456789")
        bearer.verify("access-a-0123456789")
        self.client.force_login(self.bob)
        response = self.client.post(
            "/admin/oauth2_provider/application/",
            {"action": "disable_clients", "_selected_action": [str(self.app.pk)]},
            follow=True,
        )
        self.assertContains(response, "1 client(s) disabled")
        with self.assertRaises(bearer.BearerError):
            bearer.verify("access-a-0123456789")
        self.assertFalse(RefreshToken.objects.filter(revoked__isnull=True).exists())

    def test_upstream_tokens_show_expiry_only(self) -> None:
        UpstreamToken.objects.create(
            user=self.charlie,
            provider="dex",
            issuer="https://dex.example",
            subject="s",
            id_token="sealed-id-token-bytes",
            refresh_token="sealed-refresh-bytes",
            expires=timezone.now() + timedelta(minutes=5),
        )
        self.client.force_login(self.bob)
        for url in (
            "/admin/oauthgw/upstreamtoken/",
            f"/admin/oauthgw/upstreamtoken/{UpstreamToken.objects.get().pk}/change/",
        ):
            response = self.client.get(url)
            self.assertContains(response, "dex")
            self.assertNotContains(response, "sealed-")

    def test_nobody_edits_tokens_and_users_without_staff_status_see_nothing(self) -> None:
        token = self.issue("access-edit-0123456789")
        self.client.force_login(self.alice)
        self.assertEqual(
            self.client.post(f"/admin/oauth2_provider/accesstoken/{token.pk}/change/", {}).status_code, 403
        )
        self.assertEqual(self.client.get("/admin/oauth2_provider/application/add/").status_code, 403)
        self.client.force_login(self.charlie)
        response = self.client.get("/admin/oauth2_provider/accesstoken/")
        self.assertEqual(response.status_code, 302)

"""A refresh-token rotation interrupted inside its transaction leaves the old tokens as they were and no new ones."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from unittest import mock

from django.contrib.auth import get_user_model
from django.test import RequestFactory, TransactionTestCase
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model
from oauth2_provider.views import TokenView

from oauthgw.validator import GatewayValidator

AccessToken = get_access_token_model()
Application = get_application_model()
RefreshToken = get_refresh_token_model()


class InterruptedRotationTests(TransactionTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.alice = get_user_model().objects.create_user("alice")
        self.client_app = Application.objects.create(
            name="assistant", client_type=Application.CLIENT_PUBLIC,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE, redirect_uris="http://127.0.0.1/cb",
        )  # fmt: skip
        access = AccessToken.objects.create(
            user=self.alice, application=self.client_app, token="access-one", scope="mcp",
            expires=timezone.now() + timedelta(hours=1),
        )  # fmt: skip
        self.refresh = RefreshToken.objects.create(
            user=self.alice, application=self.client_app, token="refresh-one", access_token=access
        )

    def refresh_grant(self) -> tuple[int, dict[str, Any]]:
        request = RequestFactory().post(
            "/o/token/",
            {"grant_type": "refresh_token", "refresh_token": "refresh-one", "client_id": self.client_app.client_id},
        )
        response = TokenView.as_view()(request)
        return response.status_code, json.loads(response.content)

    def test_an_exception_after_the_old_tokens_are_revoked_rolls_the_rotation_back(self) -> None:
        with (
            mock.patch.object(
                GatewayValidator, "_create_refresh_token", side_effect=RuntimeError("interrupted")
            ) as create_refresh_token,
            self.assertRaises(RuntimeError),
        ):
            self.refresh_grant()

        # Interrupted at the last step: the old pair revoked and a new access token written, all rolled back.
        create_refresh_token.assert_called_once()
        self.refresh.refresh_from_db()
        self.assertIsNone(self.refresh.revoked)
        self.assertEqual(list(AccessToken.objects.values_list("token", flat=True)), ["access-one"])
        self.assertEqual(RefreshToken.objects.count(), 1)
        # The old refresh token still works, once.
        status, body = self.refresh_grant()
        self.assertEqual(status, 200, body)
        self.assertNotEqual(body["refresh_token"], "refresh-one")
        self.refresh.refresh_from_db()
        self.assertIsNotNone(self.refresh.revoked)
        self.assertEqual(AccessToken.objects.count(), 1)
        self.assertEqual(RefreshToken.objects.filter(revoked__isnull=True).count(), 1)

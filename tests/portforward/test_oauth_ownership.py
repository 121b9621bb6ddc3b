"""With OAuth, through MCP: each user lists and stops only their own sessions; staff see and stop everyone's."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from k8stools.models import PortForwardSession
from tests.oauth.base import OAuthLiveTestCase
from tests.portforward.support import answer, local_ports_of, refuses_connections, round_trip, serve_echo_pod


class OAuthOwnershipTests(OAuthLiveTestCase):
    oauth_env = {"ALLOWED_OPERATIONS": "port-forward"}

    @classmethod
    def _start(cls) -> None:
        super()._start()
        cls.echo = serve_echo_pod(cls, cls.fake)

    def ok(self, token: str, tool: str, **arguments: Any) -> str:
        is_error, text = self.call_as(token, tool, **arguments)
        self.assertFalse(is_error, text)
        return text

    def test_users_see_and_stop_their_own_sessions_and_staff_everyones(self) -> None:
        alice = self.login_and_get_tokens(login="alice")["access_token"]
        bob = self.login_and_get_tokens(login="bob")["access_token"]
        self.login_and_get_tokens(login="carol")
        get_user_model().objects.filter(username="carol@example.com").update(is_staff=True)
        carol = self.login_and_get_tokens(login="carol")["access_token"]

        started = answer(self.ok(alice, "port_forward", namespace="default", resourceName="web-1", ports=["8080"]))
        [port] = local_ports_of(started)
        session_id = started["sessionId"]
        self.assertEqual(round_trip(port, b"alice's"), b"alice's")

        self.assertIn("No active port forwarding sessions.", self.ok(bob, "list_port_forward_sessions"))
        is_error, refused = self.call_as(bob, "stop_port_forward_session", sessionId=session_id)
        self.assertTrue(is_error)
        self.assertIn(f"no port-forward session {session_id} among yours", refused)
        self.assertIn("No active port forwarding sessions to stop.", self.ok(bob, "stop_all_port_forward_sessions"))
        self.assertIn(session_id, self.ok(alice, "list_port_forward_sessions"))
        staff_view = self.ok(carol, "list_port_forward_sessions")
        self.assertIn(session_id, staff_view)
        self.assertIn('"owner": "alice@example.com"', staff_view)

        self.assertIn("stopped successfully", self.ok(carol, "stop_port_forward_session", sessionId=session_id))

        row = PortForwardSession.objects.get(pk=session_id)
        self.assertEqual(
            (row.owner_name, row.status, row.stopped_by), ("alice@example.com", "stopped", "carol@example.com")
        )
        self.assertTrue(row.owner.startswith("user:"))
        self.assertTrue(refuses_connections(port))

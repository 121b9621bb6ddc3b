from __future__ import annotations

import socket

from k8stools.models import PortForwardSession
from k8stools.portforward.lifecycle import sweep_once
from tests.admin.base import AdminTestCase

URL = "/admin/k8stools/portforwardsession/"


def session(**fields: object) -> PortForwardSession:
    values: dict[str, object] = {
        "owner": "user:99",
        "owner_name": "dana",
        "namespace": "shop",
        "target_kind": "service",
        "target_name": "web",
        "pod_name": "web-1",
        "ports": [[18080, 8080]],
        # A worker of this host that has exited (no such pid): nothing listens any more.
        "worker_id": f"{socket.gethostname()}:4194300:1",
        "status": PortForwardSession.Status.ACTIVE,
        "bytes_in": 1200,
        "bytes_out": 3400,
    }
    values.update(fields)
    return PortForwardSession.objects.create(**values)


class PortForwardAdminTests(AdminTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        # The once-per-process sweep runs its own connection handling: before the test transaction.
        sweep_once()
        super().setUpClass()

    def test_it_lists_owner_target_ports_status_and_bytes(self) -> None:
        session()
        self.client.force_login(self.bob)
        response = self.client.get(URL)
        self.assertContains(response, "dana")
        self.assertContains(response, "shop/service/web (pod web-1)")
        self.assertContains(response, "18080:8080")
        self.assertContains(response, "3400")

    def test_staff_stop_a_session_through_the_workflow(self) -> None:
        live = session()
        ended = session(status=PortForwardSession.Status.STOPPED)
        self.client.force_login(self.bob)
        response = self.client.post(
            URL, {"action": "stop_sessions", "_selected_action": [str(live.pk), str(ended.pk)]}, follow=True
        )
        self.assertContains(response, "1 session(s) stopped, 1 had already ended.")
        live.refresh_from_db()
        self.assertEqual(live.status, PortForwardSession.Status.STOPPED)
        self.assertEqual(live.stopped_by, "bob")

    def test_nobody_edits_a_session_by_hand(self) -> None:
        live = session()
        self.client.force_login(self.alice)
        self.assertEqual(self.client.post(f"{URL}{live.pk}/change/", {"status": "stopped"}).status_code, 403)
        self.assertEqual(self.client.get(URL + "add/").status_code, 403)

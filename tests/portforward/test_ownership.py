"""Who sees and stops which session: users their own, staff everyone's; and the total limit."""

from __future__ import annotations

import socket

from k8stools.models import PortForwardSession
from k8stools.portforward.config import PortForwardConfig
from k8stools.portforward.workflows import (
    PortForwardError,
    SessionNotFound,
    port_forward_list,
    port_forward_stop,
    port_forward_stop_all,
)
from tests.portforward.base import WorkflowTestCase
from tests.portforward.support import refuses_connections, round_trip


class OwnershipTests(WorkflowTestCase):
    config = PortForwardConfig(check_seconds=0.1, max_total=3, max_per_user=2)

    def test_a_user_lists_and_stops_only_their_own_sessions(self) -> None:
        session = self.start(self.alice)
        [[port, _]] = session.ports

        self.assertEqual(port_forward_list(caller=self.bob), [])
        with self.assertRaises(SessionNotFound):
            port_forward_stop(session_id=session.pk, by=self.bob)
        self.assertEqual(port_forward_stop_all(by=self.bob), [])

        self.assertEqual([row.pk for row in port_forward_list(caller=self.alice)], [session.pk])
        self.assertEqual(round_trip(port, b"still mine"), b"still mine")
        result = port_forward_stop(session_id=str(session.pk), by=self.alice)
        self.assertTrue(result.listener_closed)
        self.assertTrue(refuses_connections(port))

    def test_staff_see_and_stop_everyones_sessions(self) -> None:
        alices = self.start(self.alice)
        bobs = self.start(self.bob)

        listed = {row.pk for row in port_forward_list(caller=self.carol)}
        result = port_forward_stop(session_id=alices.pk, by=self.carol)

        self.assertEqual(listed, {alices.pk, bobs.pk})
        self.assertFalse(result.already_ended)
        alices.refresh_from_db()
        self.assertEqual((alices.status, alices.stopped_by), ("stopped", "carol"))
        self.assertTrue(refuses_connections(alices.ports[0][0]))

    def test_stop_all_takes_the_callers_own_and_every_users_only_for_staff_who_ask(self) -> None:
        self.start(self.alice)
        self.start(self.alice)
        bobs = self.start(self.bob)

        self.assertEqual(len(port_forward_stop_all(by=self.alice)), 2)
        with self.assertRaises(PortForwardError):
            port_forward_stop_all(by=self.alice, all_users=True)
        self.assertEqual(port_forward_stop_all(by=self.carol), [])
        self.assertEqual(
            [result.session.pk for result in port_forward_stop_all(by=self.carol, all_users=True)], [bobs.pk]
        )
        self.assertFalse(PortForwardSession.objects.live().exists())

    def test_the_total_limit_counts_every_users_sessions(self) -> None:
        self.start(self.alice)
        self.start(self.alice)
        self.start(self.bob)

        with self.assertRaises(PortForwardError) as raised:
            self.start(self.carol)

        self.assertIn("maximum of 3 port-forward sessions (PORT_FORWARD_MAX_TOTAL)", str(raised.exception))
        self.assertEqual(PortForwardSession.objects.count(), 3)

    def test_an_ended_session_frees_its_place_under_the_limits(self) -> None:
        first = self.start(self.alice)
        self.start(self.alice)
        port_forward_stop(session_id=first.pk, by=self.alice)

        third = self.start(self.alice)

        self.assertEqual(third.status, "active")

    def test_a_session_id_that_is_not_one_is_refused_with_a_fix(self) -> None:
        with self.assertRaises(SessionNotFound) as raised:
            port_forward_stop(session_id="my-session", by=self.alice)

        self.assertIn("use the sessionId that port_forward or list_port_forward_sessions gave", str(raised.exception))


class VanishedHolderTests(WorkflowTestCase):
    def test_stopping_a_session_whose_worker_exited_reports_nothing_listening(self) -> None:
        orphan = PortForwardSession.objects.create(
            owner=self.alice.key, owner_name="alice", namespace="default", target_kind="pod", target_name="web-1",
            pod_name="web-1", ports=[[45678, 8080]], worker_id=f"{socket.gethostname()}:999999999:1700000000",
            status="active",
        )  # fmt: skip

        result = port_forward_stop(session_id=orphan.pk, by=self.alice)

        self.assertTrue(result.listener_closed)
        orphan.refresh_from_db()
        self.assertEqual((orphan.status, orphan.stopped_by), ("stopped", "alice"))

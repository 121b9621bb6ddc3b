"""Which calls a person must confirm, what binds a confirmation to its call, and what a missing answer means."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.test import SimpleTestCase
from mcp_types import ElicitResult

from k8stools.confirmation import Decision, _continued, binding, needs_confirmation, preview, refusal_text
from k8stools.identity import Caller

IVY = Caller(username="ivy", user_id=1)
BO = Caller(username="bo", user_id=2)
DELETE = {"resourceType": "configmaps", "name": "kept", "namespace": "default"}


@dataclass
class Round:
    """What a second round of a 2026-07-28 call carries: the echoed state and the client's answers."""

    request_state: str
    input_responses: dict[str, Any]


def state(bound: str, *, expires_in: float = 60, nonce: str = "") -> str:
    nonce = nonce or str(time.monotonic_ns())
    return json.dumps({"binding": bound, "nonce": nonce, "expires": time.time() + expires_in})


YES = {"confirm": ElicitResult(action="accept", content={"confirm": True})}


class ConfirmationRulesTests(SimpleTestCase):
    def test_it_asks_before_deleting_scaling_to_zero_undoing_draining_and_uninstalling_only(self) -> None:
        asked = [
            ("delete", DELETE),
            ("scale", {"replicas": 0}),
            ("rollout", {"action": "undo"}),
            ("node_management", {"operation": "drain"}),
            ("helm_change", {"action": "uninstall"}),
            ("helm_change", {"action": "rollback"}),
        ]
        not_asked = [
            ("scale", {"replicas": 2}),
            ("rollout", {"action": "restart"}),
            ("helm_change", {"action": "install"}),
            ("get", DELETE),
        ]
        for tool, arguments in asked:
            self.assertTrue(needs_confirmation(tool, arguments), (tool, arguments))
        for tool, arguments in not_asked:
            self.assertFalse(needs_confirmation(tool, arguments), (tool, arguments))

    def test_the_preview_shows_every_argument_and_who_asks(self) -> None:
        text = preview("Delete resources", "delete", DELETE, IVY)
        for expected in ('name: "kept"', 'namespace: "default"', 'resourceType: "configmaps"', "ivy"):
            self.assertIn(expected, text)

    def test_a_confirmation_is_bound_to_the_tool_the_arguments_and_the_caller(self) -> None:
        bound = binding("delete", DELETE, IVY)
        self.assertEqual(bound, binding("delete", dict(reversed(DELETE.items())), IVY))
        self.assertNotEqual(bound, binding("delete", {**DELETE, "name": "other"}, IVY))
        self.assertNotEqual(bound, binding("delete", DELETE, BO))
        self.assertNotEqual(bound, binding("scale", DELETE, IVY))

    def test_a_second_round_goes_ahead_only_for_its_own_fresh_unused_confirmation(self) -> None:
        bound = binding("delete", DELETE, IVY)
        fresh = state(bound)
        self.assertEqual(_continued(Round(fresh, YES), bound), Decision("confirmed"))
        self.assertEqual(_continued(Round(fresh, YES), bound).verdict, "refused")  # spent
        self.assertIn("another call", _continued(Round(state(bound), YES), binding("delete", DELETE, BO)).reason)
        self.assertIn("expired", _continued(Round(state(bound, expires_in=-1), YES), bound).reason)
        self.assertEqual(_continued(Round("not json", YES), bound).verdict, "refused")
        no = {"confirm": ElicitResult(action="decline")}
        self.assertEqual(_continued(Round(state(bound), no), bound).verdict, "declined")
        unchecked = {"confirm": ElicitResult(action="accept", content={"confirm": False})}
        self.assertEqual(_continued(Round(state(bound), unchecked), bound).verdict, "declined")
        self.assertEqual(_continued(Round(state(bound), {}), bound).verdict, "declined")

    def test_a_client_that_cannot_be_asked_proceeds_under_ask_and_is_refused_under_required(self) -> None:
        self.assertIsNone(refusal_text(Decision("unsupported"), "ask"))
        text, outcome = refusal_text(Decision("unsupported"), "required") or ("", "")
        self.assertIn("CONFIRM_DESTRUCTIVE=required", text)
        self.assertEqual(outcome, "denied")
        self.assertEqual((refusal_text(Decision("declined", "no answer in time"), "ask") or ("", ""))[1], "declined")
        self.assertIsNone(refusal_text(Decision("confirmed"), "required"))

    def tearDown(self) -> None:
        cache.clear()

from __future__ import annotations

import unittest

from k8stools.config import MUTATING_OPERATIONS, READ_OPERATIONS, ServerConfig
from k8stools.policy import Policy, PolicyDenied, PolicySource


class PolicyTests(unittest.TestCase):
    def test_reads_are_always_allowed(self) -> None:
        for operation in READ_OPERATIONS:
            self.assertTrue(Policy(non_destructive=True).allows(operation), operation)

    def test_non_destructive_mode_blocks_every_mutation(self) -> None:
        policy = Policy(non_destructive=True)
        for operation in MUTATING_OPERATIONS:
            self.assertFalse(policy.allows(operation), operation)
            with self.assertRaises(PolicyDenied):
                policy.check_operation(operation)

    def test_dry_run_unblocks_what_it_can_simulate_and_nothing_else(self) -> None:
        policy = Policy(non_destructive=True, dry_run=True)
        self.assertTrue(policy.allows("delete"))
        self.assertTrue(policy.dry_run_for("delete"))
        for operation in ("exec", "port-forward"):
            self.assertFalse(policy.allows(operation), operation)
            self.assertFalse(policy.dry_run_for(operation), operation)

    def test_allowed_operations_unblock_exactly_those(self) -> None:
        policy = Policy(non_destructive=True, allowed_operations=frozenset({"scale", "exec"}))
        self.assertTrue(policy.allows("scale"))
        self.assertTrue(policy.allows("exec"))
        self.assertFalse(policy.allows("delete"))

    def test_everything_runs_for_real_with_non_destructive_off(self) -> None:
        policy = Policy(non_destructive=False)
        self.assertTrue(all(policy.allows(operation) for operation in MUTATING_OPERATIONS))
        self.assertFalse(policy.dry_run_for("delete"))

    def test_the_denial_says_what_would_allow_it(self) -> None:
        with self.assertRaisesRegex(PolicyDenied, "turn on dry-run"):
            Policy().check_operation("delete")
        with self.assertRaisesRegex(PolicyDenied, "ALLOWED_OPERATIONS=exec"):
            Policy().check_operation("exec")

    def test_restricted_namespaces_are_refused(self) -> None:
        policy = Policy(restricted_namespaces=frozenset({"kube-system"}))
        self.assertTrue(policy.is_restricted("kube-system"))
        self.assertFalse(policy.is_restricted("default"))
        self.assertFalse(policy.is_restricted(None))
        with self.assertRaisesRegex(PolicyDenied, 'namespace "kube-system" is restricted'):
            policy.check_namespaces(["default", "kube-system"])


class PolicySourceTests(unittest.TestCase):
    def test_it_reads_the_stored_policy_at_most_once_per_interval(self) -> None:
        now = [0.0]
        stored = [Policy(dry_run=True)]
        loads: list[Policy] = []

        def loader(defaults: Policy) -> Policy:
            loads.append(defaults)
            return stored[0]

        source = PolicySource(lambda: ServerConfig(), refresh_seconds=2.0, loader=loader, clock=lambda: now[0])
        self.assertTrue(source.current().dry_run)
        stored[0] = Policy(dry_run=False)
        now[0] = 1.0
        self.assertTrue(source.current().dry_run)  # still cached
        now[0] = 2.5
        self.assertFalse(source.current().dry_run)  # an edit reaches this worker within the interval
        self.assertEqual(len(loads), 2)

    def test_the_environment_defaults_apply_until_the_policy_is_edited(self) -> None:
        source = PolicySource(
            lambda: ServerConfig(non_destructive=False, restricted_namespaces={"a"}), loader=lambda defaults: defaults
        )
        self.assertEqual(source.current(), Policy(non_destructive=False, restricted_namespaces=frozenset({"a"})))

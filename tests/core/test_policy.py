from __future__ import annotations

import unittest

from k8stools.config import MUTATING_OPERATIONS, READ_OPERATIONS, ServerConfig
from k8stools.policy import Policy, PolicyDenied, PolicyOverrides, PolicySource, display_value, field_states


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
    def test_it_reads_the_stored_policy_again_only_when_the_shared_version_changes(self) -> None:
        version = ["v1"]
        stored = [Policy(dry_run=True)]
        loads: list[Policy] = []

        def loader(defaults: Policy) -> Policy:
            loads.append(defaults)
            return stored[0]

        source = PolicySource(lambda: ServerConfig(), loader=loader, version=lambda: version[0])
        self.assertTrue(source.current().dry_run)
        stored[0] = Policy(dry_run=False)
        self.assertTrue(source.current().dry_run)  # same version: the copy is still good
        version[0] = "v2"
        self.assertFalse(source.current().dry_run)  # a bumped version is read on the very next call
        self.assertEqual(len(loads), 2)

    def test_it_reads_the_stored_policy_every_time_when_the_version_is_unknown(self) -> None:
        loads: list[Policy] = []
        source = PolicySource(lambda: ServerConfig(), loader=lambda d: loads.append(d) or d, version=lambda: None)
        source.current()
        source.current()
        self.assertEqual(len(loads), 2)

    def test_a_new_configuration_is_read_at_once(self) -> None:
        config = [ServerConfig(dry_run=False)]
        source = PolicySource(lambda: config[0], loader=lambda defaults: defaults, version=lambda: "v1")
        self.assertFalse(source.current().dry_run)
        config[0] = ServerConfig(dry_run=True)
        self.assertTrue(source.current().dry_run)

    def test_a_read_only_server_stays_read_only_whatever_the_overrides_allow(self) -> None:
        overrides = PolicyOverrides(non_destructive=False, dry_run=True, allowed_operations=frozenset({"delete"}))
        source = PolicySource(
            lambda: ServerConfig(read_only=True, restricted_namespaces={"vault"}),
            loader=overrides.apply,
            version=lambda: "v1",
        )
        policy = source.current()
        self.assertFalse(any(policy.allows(operation) for operation in MUTATING_OPERATIONS))
        self.assertFalse(policy.dry_run)
        self.assertEqual(policy.restricted_namespaces, frozenset({"vault"}))

    def test_the_environment_defaults_apply_until_the_policy_is_edited(self) -> None:
        source = PolicySource(
            lambda: ServerConfig(non_destructive=False, restricted_namespaces={"a"}),
            loader=lambda defaults: defaults,
            version=lambda: "v1",
        )
        self.assertEqual(source.current(), Policy(non_destructive=False, restricted_namespaces=frozenset({"a"})))


class PolicyOverridesTests(unittest.TestCase):
    defaults = Policy(non_destructive=True, dry_run=False, restricted_namespaces=frozenset({"kube-system"}))

    def test_a_field_without_an_override_inherits_the_environment_default(self) -> None:
        self.assertEqual(PolicyOverrides().apply(self.defaults), self.defaults)

    def test_an_override_replaces_only_its_own_field(self) -> None:
        effective = PolicyOverrides(dry_run=True).apply(self.defaults)
        self.assertEqual(
            effective,
            Policy(non_destructive=True, dry_run=True, restricted_namespaces=self.defaults.restricted_namespaces),
        )

    def test_an_empty_list_override_is_an_override_not_an_inherit(self) -> None:
        effective = PolicyOverrides(restricted_namespaces=frozenset()).apply(self.defaults)
        self.assertEqual(effective.restricted_namespaces, frozenset())

    def test_an_override_of_false_replaces_a_default_of_true(self) -> None:
        self.assertFalse(PolicyOverrides(non_destructive=False).apply(self.defaults).non_destructive)

    def test_on_a_read_only_server_the_fields_it_fixes_say_so(self) -> None:
        overrides = PolicyOverrides(non_destructive=False, restricted_namespaces=frozenset({"vault"}))
        states = {state.name: state for state in field_states(self.defaults, overrides, read_only=True)}
        self.assertIs(states["non_destructive"].effective, True)
        self.assertEqual(states["non_destructive"].source, "READ_ONLY (the server only reads)")
        self.assertEqual(states["allowed_operations"].effective, frozenset())
        self.assertEqual(states["restricted_namespaces"].effective, frozenset({"vault"}))
        self.assertEqual(states["restricted_namespaces"].source, "admin override")

    def test_field_states_show_default_override_effective_and_source(self) -> None:
        states = {s.name: s for s in field_states(self.defaults, PolicyOverrides(dry_run=True))}
        self.assertEqual(
            (states["dry_run"].default, states["dry_run"].override, states["dry_run"].effective), (False, True, True)
        )
        self.assertEqual(states["dry_run"].source, "admin override")
        namespaces = states["restricted_namespaces"]
        self.assertEqual((namespaces.override, namespaces.effective), (None, frozenset({"kube-system"})))
        self.assertEqual(namespaces.source, "environment")
        self.assertEqual(namespaces.variable, "RESTRICTED_NAMESPACES")
        self.assertEqual(display_value(namespaces.effective), "kube-system")
        self.assertEqual(display_value(frozenset()), "none")
        self.assertEqual(display_value(True), "on")

"""The policy of /mcp/read-only: the effective policy narrowed to reading, whatever the admin allows.

Every mutating operation is refused (non-destructive, no operation allowed past it, and no dry-run,
which would otherwise let some mutations through as validations); restricted namespaces stay as they are.
"""

from __future__ import annotations

from k8stools.policy import Policy, PolicySource


def narrowed_to_reading(policy: Policy) -> Policy:
    """`policy` with every mutation forbidden and its namespace restrictions kept."""
    return policy.narrowed_to_reading()


class ReadingOnly(PolicySource):
    """A policy source that answers with another source's policy narrowed to reading.

    It shares the other source's cache, so an admin edit of restricted namespaces reaches both endpoints at once.
    """

    def __init__(self, source: PolicySource) -> None:  # no super().__init__: every read goes to `source`
        self.source = source

    def current(self) -> Policy:
        return narrowed_to_reading(self.source.current())

    def invalidate(self) -> None:
        self.source.invalidate()

"""`GuardrailTestCase`: the attacker's cluster, an in-process server per policy, and one call observed whole.

`observe` runs one protocol call and gathers everything it caused: the requests the fake API server
recorded, the answer (or the protocol error), the log lines and the audit records it wrote. `violations`
checks them against the invariants of the policy in force.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

from fakekube import FakeCluster
from fakekube.recording import RecordedRequest
from k8stools.models import AuditRecord
from k8stools.portforward.lifecycle import shutdown_forwarder
from tests.guardrails import invariants
from tests.guardrails.cluster import RESTRICTED, RESTRICTED_POD_NAMES, attacker_cluster, planted_values
from tests.guardrails.invariants import Output
from tests.inprocess import CapturedLogs, InProcessTestCase, MCPError, McpSession, text_of

# The policy modes of the property suite, all with the attacker's restricted namespaces.
MODES: dict[str, dict[str, Any]] = {
    "read-only": {"non_destructive": True},
    "dry-run": {"non_destructive": True, "dry_run": True},
    "allowed-operations": {"non_destructive": True, "allowed_operations": {"scale", "patch", "delete", "rollout"}},
    "read-write": {"non_destructive": False},
}
# What the runner answers when a tool raised something it did not expect (a bug, where a tool error is due).
INTERNAL_ERROR_MARKERS = ("Traceback", "internal error in tool")


@dataclass
class Observation:
    """Everything one call caused."""

    given: str
    mode: str
    result: Any = None
    protocol_error: MCPError | None = None
    requests: list[RecordedRequest] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)

    @property
    def text(self) -> str:
        return text_of(self.result) if self.result is not None else str(self.protocol_error)

    @property
    def is_tool_error(self) -> bool:
        return bool(getattr(self.result, "is_error", False))


class GuardrailTestCase(InProcessTestCase):
    mode: ClassVar[str] = "read-only"
    secrets: set[str]

    @classmethod
    def make_cluster(cls) -> FakeCluster:
        return attacker_cluster()

    def setUp(self) -> None:
        super().setUp()
        self.secrets = planted_values(self.fake)
        self.logs = CapturedLogs()
        self.enterContext(self.logs.installed())
        self.addCleanup(shutdown_forwarder)

    def stored(self, resource: str, namespace: str | None, name: str, group: str = "") -> dict[str, Any]:
        """The object as the fake holds it now (fails the test if it is gone)."""
        obj = self.fake.get_object(resource, namespace, name, group)
        if obj is None:
            self.fail(f"{resource} {namespace}/{name} is gone")
        return obj

    @contextmanager
    def session(self, mode: str | None = None, **config: Any) -> Iterator[McpSession]:
        """A client session on a server with the mode's policy (and `config` over it), restricted as attacked."""
        settings = {"restricted_namespaces": RESTRICTED, **MODES[mode or self.mode], **config}
        with self.server(**settings).session() as mcp:
            yield mcp

    def observe(self, action: Callable[[], Any], given: Any, *, mode: str | None = None) -> Observation:
        """Run one call (on a server in `mode`); collect its requests, answer, log lines and audit records."""
        self.fake.clear_requests()
        self.logs.clear()
        last_audit = AuditRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
        observation = Observation(given=invariants.as_text(given), mode=mode or self.mode)
        try:
            observation.result = action()
        except MCPError as error:
            observation.protocol_error = error
        observation.requests = self.fake.requests
        observation.outputs = [Output("the answer", observation.text)]
        structured = getattr(observation.result, "structured_content", None)
        if structured:
            observation.outputs.append(Output("the structured answer", invariants.as_text(structured)))
        observation.outputs += [Output("a log line", line) for line in self.logs.lines()]
        for record in AuditRecord.objects.filter(id__gt=last_audit).values():
            observation.outputs.append(Output("an audit record", invariants.as_text(record)))
        return observation

    def violations(self, observation: Observation, *, reads_only: bool = False) -> list[str]:
        """The invariants broken by one call under its mode; `reads_only` for a tool that must never write."""
        settings = MODES[observation.mode]
        found = invariants.restricted_requests(observation.requests, RESTRICTED)
        read_only_mode = settings.get("non_destructive") and not settings.get("dry_run")
        if reads_only or (read_only_mode and not settings.get("allowed_operations")):
            found += invariants.writes(observation.requests)
        if settings.get("dry_run"):
            found += invariants.writes_without_dry_run(observation.requests)
        found += invariants.leaked(observation.outputs, self.secrets, unless_given=observation.given)
        found += invariants.leaked(
            [output for output in observation.outputs if output.where != "a log line"],
            RESTRICTED_POD_NAMES.values(),
            unless_given=observation.given,
        )
        answer = observation.text
        if any(marker in answer for marker in INTERNAL_ERROR_MARKERS):
            found.append(f"answered with an internal error instead of a tool error: {answer[:300]}")
        return found

    def assertHolds(self, observation: Observation, **options: Any) -> None:
        broken = self.violations(observation, **options)
        if broken:
            self.fail(f"given {observation.given[:400]}:\n" + "\n".join(broken))

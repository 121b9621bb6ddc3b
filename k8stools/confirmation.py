"""A person's yes before a destructive change (CONFIRM_DESTRUCTIVE = off | ask | required).

Delete, scale to zero, rollout undo, node management, and Helm uninstall and rollback are shown to the person
first, with the call's exact target and arguments: through elicitation on the response stream in the 2025-11-25
era, or an input-required result in the 2026-07-28 era, whose request state the SDK seals with the shared
MCP_REQUEST_STATE_KEY so any worker can continue it. The state binds the answer to this call: the tool, its
arguments and the caller, an expiry, and a nonce spent once in the shared cache, so a confirmation cannot be
replayed for another call, another person, or twice.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass, replace
from typing import Any, Literal

import anyio
from django.core.cache import cache
from mcp_types import ElicitRequest, ElicitRequestFormParams, ElicitResult, InputRequiredResult
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import BaseModel, Field

from k8stools.identity import Caller
from k8stools.policy import Policy, PolicySource

INPUT_KEY = "confirm"
# How long a person has to answer by default (CONFIRM_TIMEOUT_SECONDS); a sealed confirmation expires as late.
ANSWER_SECONDS = 300.0
NONCE_PREFIX = "kubemcp:confirmation:"
MAX_DRY_RUN_CHARS = 4000

Verdict = Literal["confirmed", "declined", "unsupported", "refused"]


class DryRunPreview(PolicySource):
    """Another source's policy with dry-run on: the same call, sent first with `dryRun=All`, shows what will change."""

    def __init__(self, source: PolicySource) -> None:  # no super().__init__: every read goes to `source`
        self.source = source

    def current(self) -> Policy:
        return replace(self.source.current(), dry_run=True)

    def invalidate(self) -> None:
        self.source.invalidate()


def can_ask(context: Any) -> bool:
    """Did the client declare it can be asked (elicitation), on this session or in this 2026-07-28 request?"""
    capabilities = context.client_capabilities if context is not None else None
    return capabilities is not None and capabilities.elicitation is not None


def is_continuation(context: Any) -> bool:
    """Is this the second round of a 2026-07-28 call (the person's answer coming back)?"""
    return context is not None and getattr(context, "request_state", None) is not None


class ConfirmAnswer(BaseModel):
    confirm: bool = Field(description="true to make this change")


ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"confirm": {"type": "boolean", "title": "Make this change", "description": "true to go ahead"}},
    "required": ["confirm"],
}


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str = ""


def needs_confirmation(tool: str, arguments: dict[str, Any]) -> bool:
    """Is this call one a person must confirm (by what it does, not only by its tool's annotation)?"""
    if tool in ("delete", "node_management"):
        return True
    if tool == "scale":
        return arguments.get("replicas") == 0
    if tool == "rollout":
        return arguments.get("action") == "undo"
    if tool == "helm_change":
        return arguments.get("action") in ("uninstall", "rollback")
    return False


def preview(title: str, tool: str, arguments: dict[str, Any], caller: Caller, dry_run: str = "") -> str:
    """What the person is asked to confirm: the change, its exact arguments, for whom it is made, and what the
    API server answered to the same call as a dry run (`dry_run`, when the change can be simulated)."""
    lines = [f"Confirm a destructive change: {title} ({tool})."]
    lines += [
        f"  {name}: {json.dumps(value, sort_keys=True, default=str)}" for name, value in sorted(arguments.items())
    ]
    lines.append(f"Requested by: {caller.username}; Kubernetes sees: {caller.kube_identity}.")
    if dry_run:
        lines.append(f"The API server's dry run of this call says:\n{dry_run[:MAX_DRY_RUN_CHARS]}")
    lines.append("Nothing is sent to the cluster unless you confirm.")
    return "\n".join(lines)


def binding(tool: str, arguments: dict[str, Any], caller: Caller) -> str:
    """A digest of what a confirmation is for: this tool, these arguments, this caller."""
    material = json.dumps([tool, arguments, caller.key, caller.client_id], sort_keys=True, default=str)
    return hashlib.sha256(material.encode()).hexdigest()


def _accepted(answer: Any) -> bool:
    if not isinstance(answer, ElicitResult) or answer.action != "accept":
        return False
    return isinstance(answer.content, dict) and answer.content.get(INPUT_KEY) is True


async def ask(
    context: Any,
    *,
    title: str,
    tool: str,
    arguments: dict[str, Any],
    caller: Caller,
    dry_run: str = "",
    answer_seconds: float = ANSWER_SECONDS,
) -> Decision | InputRequiredResult:
    """Ask the person, in the way the call's protocol era allows; an `InputRequiredResult` to return as is."""
    message = preview(title, tool, arguments, caller, dry_run)
    bound = binding(tool, arguments, caller)
    can_elicit = can_ask(context)
    if context is not None and context.protocol_version in MODERN_PROTOCOL_VERSIONS:
        if context.request_state is not None:
            return _continued(context, bound)
        if not can_elicit:
            return Decision("unsupported")
        state = {"binding": bound, "nonce": secrets.token_hex(16), "expires": time.time() + answer_seconds}
        question = ElicitRequest(params=ElicitRequestFormParams(message=message, requested_schema=ANSWER_SCHEMA))
        return InputRequiredResult(input_requests={INPUT_KEY: question}, request_state=json.dumps(state))
    if not can_elicit or not context.session.can_send_request:
        return Decision("unsupported")  # no stream to ask on (a JSON response): the client cannot be asked
    try:
        with anyio.fail_after(answer_seconds):
            result = await context.elicit(message, schema=ConfirmAnswer)
    except TimeoutError:
        return Decision("declined", "no answer in time")
    except Exception as error:  # the client said it could be asked, then failed to: not a yes
        return Decision("declined", f"the client could not ask: {type(error).__name__}")
    if result.action == "accept" and result.data is not None and result.data.confirm:
        return Decision("confirmed")
    return Decision("declined", f"the person answered {result.action}")


def _continued(context: Any, bound: str) -> Decision:
    """Round two: the sealed state must be for this very call, fresh, and not used before."""
    try:
        state = json.loads(context.request_state)
        binding_, nonce, expires = str(state["binding"]), str(state["nonce"]), float(state["expires"])
    except (ValueError, KeyError, TypeError):
        return Decision("refused", "the confirmation state is not one this server issued")
    if not secrets.compare_digest(binding_, bound):
        return Decision("refused", "this confirmation was given for another call; ask again for this one")
    if expires < time.time():
        return Decision("refused", "this confirmation has expired; ask again")
    # Remembered as long as the state could still be presented, and a minute more.
    if not cache.add(NONCE_PREFIX + nonce, 1, timeout=int(expires - time.time()) + 60):
        return Decision("refused", "this confirmation was already used; ask again")
    answer = (context.input_responses or {}).get(INPUT_KEY)
    return Decision("confirmed") if _accepted(answer) else Decision("declined", "the person did not confirm")


def refusal_text(decision: Decision, mode: str) -> tuple[str, str] | None:
    """(message, audit outcome) when the call must not go ahead; None when it may."""
    if decision.verdict == "confirmed" or (decision.verdict == "unsupported" and mode == "ask"):
        return None
    if decision.verdict == "unsupported":
        return (
            "this change needs a person's confirmation (CONFIRM_DESTRUCTIVE=required), and this client can be asked "
            "neither by elicitation nor by an input-required result; nothing was sent to the cluster",
            "denied",
        )
    if decision.verdict == "declined":
        return f"declined ({decision.reason}): nothing was sent to the cluster", "declined"
    return f"{decision.reason}; nothing was sent to the cluster", "denied"

"""Running one tool call: the path every call takes, whatever the tool.

Check the arguments against the tool's strict schema, check the policy, run the tool in a worker
thread under the per-call timeout, cap the size of its answer, and write the audit record and
the metrics. Failures come back as tool errors (`isError`) with a message a model can act on;
nothing here lets a traceback reach the client.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
import anyio.from_thread
import anyio.to_thread

from k8stools import audit
from k8stools.context import ServerContext, ServerShutDown
from k8stools.dbconnections import releasing_connections
from k8stools.identity import Caller
from k8stools.kube import KubeConfigError, KubeError
from k8stools.policy import Policy, PolicyDenied, PolicySource, denial_message
from k8stools.shared_versions import CONTEXT, database_version
from k8stools.tools.call import ToolCall, ToolOutput
from k8stools.tools.errors import ToolInputError, describe_kube_error
from k8stools.tools.registry import CONTEXT_ARGUMENT, ToolSpec

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

TOO_LARGE_HINT = "narrow the query: tighten filters, reduce the time range, or request fewer items"


@dataclass(frozen=True)
class Outcome:
    text: str
    outcome: str  # ok | error | denied
    structured: dict[str, Any] | None = None

    @property
    def is_error(self) -> bool:
        return self.outcome != "ok"


# By identity: a server's schemas are built once and never changed, and serialising one to key a cache cost
# more than the check itself. The schema is kept beside its validator, so an id is never reused while cached.
_validators: dict[int, tuple[dict[str, Any], Draft202012Validator]] = {}


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    # Imported at the first call, not at start: `initialize` and `tools/list` need no validator (~25 ms).
    from jsonschema import Draft202012Validator

    entry = _validators.get(id(schema))
    if entry is None or entry[0] is not schema:
        if len(_validators) >= 512:
            _validators.clear()
        entry = _validators[id(schema)] = (schema, Draft202012Validator(schema))
    return entry[1]


def check_arguments(schema: dict[str, Any], arguments: dict[str, Any]) -> None:
    """Raise `ToolInputError` with a correction for the first problem in `arguments`."""
    properties = schema.get("properties", {})
    unknown = [name for name in arguments if name not in properties]
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, list(properties), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ToolInputError(
            f"unknown argument '{name}'{hint} This tool accepts: {', '.join(properties) or 'no arguments'}"
        )
    error = next(iter(_validator(schema).iter_errors(arguments)), None)
    if error is not None:
        raise ToolInputError(_explain(error, properties))


def _explain(error: ValidationError, properties: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"missing required argument '{missing}'"
    expected = properties.get(str(error.absolute_path[0]), {}) if error.absolute_path else {}
    description = expected.get("description", "")
    message = f"invalid argument '{where}': {error.message}"
    return f"{message} ({description})" if description else message


class ToolRunner:
    def __init__(
        self,
        *,
        server: Callable[[], ServerContext],
        policy: PolicySource,
        audit_enabled: bool = True,
    ) -> None:
        self._server = server
        self.policy = policy
        self.audit_enabled = audit_enabled

    async def run(
        self,
        spec: ToolSpec,
        arguments: dict[str, Any],
        *,
        caller: Caller,
        schema: dict[str, Any],
        progress: Callable[[float, float | None, str | None], Any] | None = None,
        log: Callable[[str, str], Any] | None = None,
        request_id: str = "",
    ) -> Outcome:
        started = time.perf_counter()
        server = self._server()
        arguments = dict(arguments)
        call_holder: list[ToolCall] = []
        policy_holder: list[Policy] = []

        def work() -> Outcome:
            check_arguments(schema, arguments)
            context_name = str(arguments.pop(CONTEXT_ARGUMENT, "") or "")
            policy = self.policy.current()
            policy_holder.append(policy)
            if spec.mutating and not policy.allows(spec.operation):
                raise PolicyDenied(denial_message(spec.operation, policy))
            call = ToolCall(
                tool=spec.name,
                operation=spec.operation,
                caller=caller,
                server=server,
                policy=policy,
                context_name=_resolve_context(server, caller, context_name),
                notify_progress=_from_thread(progress),
                notify_log=_from_thread(log),
            )
            call_holder.append(call)
            return _as_outcome(spec.fn(call, **arguments))

        timeout = server.config.tool_timeout_seconds
        limit = server.config.max_response_bytes
        # One audit record and one count in the metrics per call, by whoever claims them first: the tool's thread
        # when it finishes in time, else the timeout path below (the abandoned thread then finds them claimed).
        # Both off the event loop: a metrics flush may reach the shared cache (Redis).
        claim = threading.Lock()

        def record(outcome: Outcome, seconds: float) -> None:
            if not claim.acquire(blocking=False):
                return
            server.metrics.tool_call(tool=spec.name, outcome=outcome.outcome, seconds=seconds)
            if not self.audit_enabled:
                return
            call = call_holder[0] if call_holder else None
            audit.record_call(
                user=caller.username,
                identity=caller.kube_identity,
                tool=spec.name,
                operation=spec.operation,
                outcome=outcome.outcome,
                duration_ms=seconds * 1000,
                arguments=arguments,
                context=(call.resolved_context or call.context_name) if call else "",
                namespace=call.target.namespace if call else str(arguments.get("namespace") or ""),
                kind=call.target.kind if call else str(arguments.get("resourceType") or ""),
                name=call.target.name if call else str(arguments.get("name") or ""),
                dry_run=bool(policy_holder and spec.mutating and policy_holder[0].dry_run_for(spec.operation)),
                message=outcome.text if outcome.is_error else "",
                request_id=request_id,
            )

        def work_and_record() -> tuple[Outcome, float]:
            # The audit write and the metrics share the tool's thread (and its database connection): one thread
            # hop a call.
            outcome = _cap(_outcome_of(work, spec, server), limit)
            seconds = time.perf_counter() - started
            record(outcome, seconds)
            return outcome, seconds

        try:
            with anyio.fail_after(timeout):
                outcome, seconds = await anyio.to_thread.run_sync(
                    releasing_connections(work_and_record), abandon_on_cancel=True
                )
        except TimeoutError:
            outcome = Outcome(f'tool "{spec.name}" exceeded the timeout of {timeout:g}s; narrow the request', "error")
            seconds = time.perf_counter() - started
            await anyio.to_thread.run_sync(releasing_connections(lambda: record(outcome, seconds)))

        if log is not None:
            # The client's log (subject to logging/setLevel) shows every call, and why one failed.
            level = {"ok": "debug", "error": "warning", "denied": "warning"}.get(outcome.outcome, "info")
            summary = f"{spec.name}: {outcome.outcome} in {seconds * 1000:.0f} ms"
            with contextlib.suppress(Exception):
                await log(level, summary if outcome.outcome == "ok" else f"{summary}: {outcome.text[:300]}")
        return outcome


def _resolve_context(server: ServerContext, caller: Caller, requested: str) -> str:
    """The context for this call: the argument, else the caller's own choice, else the default."""
    if server.config.in_cluster:
        if requested and requested != "in-cluster":
            raise ToolInputError("the context argument is not available in in-cluster mode")
        return ""
    known = None
    if requested:
        known = [context.name for context in server.client_factory.contexts()]
        if requested not in known:
            close = difflib.get_close_matches(requested, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ToolInputError(f"unknown context '{requested}'{hint} Known contexts: {', '.join(known)}")
        return requested
    return _chosen_contexts.get(caller.key)


class ChosenContexts:
    """Each caller's own context (`context_use`), kept while the database's context version is unchanged.

    The version (`k8stools.shared_versions`) is replaced in the same transaction as any change of a caller's
    context, by any worker or process, so a choice made elsewhere is read at the very next call; an entry is
    kept under the version read before the choice was, so it is never newer than what it claims to be. An
    unreadable version keeps nothing (every call reads the database).
    """

    LIMIT = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: str | None = None
        self._chosen: dict[str, str] = {}

    def get(self, user_key: str) -> str:
        version = database_version(CONTEXT)
        with self._lock:
            if version is not None and version == self._version and user_key in self._chosen:
                return self._chosen[user_key]
        from k8stools.models import UserKubeContext

        chosen = UserKubeContext.objects.filter(user_key=user_key).values_list("context_name", flat=True).first()
        chosen = chosen or ""
        if version is not None:
            with self._lock:
                if version != self._version or len(self._chosen) >= self.LIMIT:
                    self._version, self._chosen = version, {}
                self._chosen[user_key] = chosen
        return chosen


_chosen_contexts = ChosenContexts()


def _outcome_of(work: Callable[[], Outcome], spec: ToolSpec, server: ServerContext) -> Outcome:
    """What `work` answers, with every failure as a tool error a model can act on (never a traceback)."""
    try:
        return work()
    except PolicyDenied as denied:
        return Outcome(str(denied), "denied")
    except ToolInputError as error:
        return Outcome(str(error), "error")
    except KubeError as error:
        return Outcome(describe_kube_error(error), "error")
    except (KubeConfigError, ServerShutDown) as error:
        return Outcome(str(error), "error")
    except Exception as error:  # the tool's bug must not become the client's traceback
        reference = uuid.uuid4().hex[:12]
        server.logger.error(
            "tool failed unexpectedly", tool=spec.name, reference=reference, error=repr(error), exc_info=True
        )
        return Outcome(
            f"internal error in tool {spec.name} (reference {reference}); the server log has details", "error"
        )


def _from_thread(notifier: Callable[..., Any] | None) -> Callable[..., None] | None:
    if notifier is None:
        return None

    def send(*args: Any) -> None:
        # A notification that cannot be sent (client gone, no progress token) must not fail the tool.
        with contextlib.suppress(Exception):
            anyio.from_thread.run(notifier, *args)

    return send


def _as_outcome(result: Any) -> Outcome:
    if isinstance(result, ToolOutput):
        return Outcome(result.text, "error" if result.is_error else "ok", result.structured)
    if isinstance(result, str):
        return Outcome(result, "ok")
    return Outcome(json.dumps(result, indent=1, default=str), "ok")


def _cap(outcome: Outcome, limit: int) -> Outcome:
    size = len(outcome.text.encode("utf-8"))
    if size <= limit:
        return outcome
    payload = {
        "error": "response_too_large",
        "bytes": size,
        "limit": limit,
        "message": f"response is {size} bytes, exceeds {limit} byte limit",
        "hint": TOO_LARGE_HINT,
    }
    return Outcome(json.dumps(payload), "error")

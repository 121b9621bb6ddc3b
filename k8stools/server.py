"""The MCP server: the SDK's `MCPServer` with kubemcp's tools, guardrails and protocol extras.

`tools/list` follows the policy in force (mutating tools the policy forbids are left out, and
deprecated `kubernetes_<name>` aliases are never listed); `tools/call` goes through the
`ToolRunner`. `logging/setLevel` filters the log notifications that tools send.
"""

from __future__ import annotations

import functools
import time
import uuid
import warnings
import weakref
from collections.abc import Callable
from typing import Any, Literal

import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.request_state import RequestStateSecurity
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    CallToolResult,
    CompleteRequestParams,
    EmptyResult,
    GetPromptResult,
    InputRequiredResult,
    SetLevelRequestParams,
    TextContent,
)
from mcp_types import Tool as MCPTool

from k8stools import audit, confirmation
from k8stools.completion import ArgumentCompleter
from k8stools.context import ServerContext, get_server_context
from k8stools.dbconnections import releasing_connections
from k8stools.identity import LOCAL, Caller, caller_from_scope
from k8stools.kube import KubeConfigError
from k8stools.log import bound_request_id, request_id_from_scope
from k8stools.mcp_resources import register_resources
from k8stools.policy import NOT_DRY_RUNNABLE, PolicySource
from k8stools.prompts import register_prompts
from k8stools.tools import catalog  # noqa: F401 - registers the tools
from k8stools.tools.errors import ToolInputError
from k8stools.tools.registry import CONTEXT_ARGUMENT, CONTEXT_PROPERTY, DEPRECATED_ALIAS_PREFIX, TOOLS, ToolSpec
from k8stools.tools.runner import ToolRunner
from k8stools.tools.runner import _resolve_context as resolve_context
from k8stools.tools.schemas import input_schemas

SDK_LOG_LEVELS: dict[str, Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]] = {
    "DEBUG": "DEBUG",
    "INFO": "INFO",
    "WARNING": "WARNING",
    "ERROR": "ERROR",
    "CRITICAL": "CRITICAL",
}
LOG_LEVELS = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")

INSTRUCTIONS = """\
kubemcp operates Kubernetes clusters through the tools listed here, under a policy set by the operator.
How to use the tools well:
- Start broad and cheap: `list` returns a compact table (one line per object); use `summary: true` for counts
  by status and namespace on large clusters, and `labelSelector`/`fieldSelector` to narrow before reading more.
- Page with `limit` and `continue` instead of asking for everything; nothing is dropped between pages.
- Read one object with `get` (YAML, noisy fields removed; `output: full` for everything) and use `describe` to see
  its events and related objects in one call. `events` lists recent events, newest first.
- For a failing pod: `describe` it, then `logs` (add `previous: true` after a crash), then `events`.
- Resource types accept kubectl names: `po`, `deploy`, `svc`, `cm`, plural, singular or Kind; `api_resources` lists
  them all, CRDs included. Cluster-scoped kinds (nodes, namespaces) ignore `namespace`.
- Every tool takes an optional `context` to act on another kubeconfig cluster for that call; `context_use` changes
  your default context (yours only).
- Changes are guarded: in non-destructive mode mutating tools are absent; in dry-run mode the API server validates
  changes without applying them and the answer says so. Secrets are always masked.
- Errors explain what to fix; correct the argument and retry rather than guessing.
"""


class KubeMCPServer(MCPServer[Any]):
    def __init__(
        self,
        *,
        server: Callable[[], ServerContext] = get_server_context,
        policy: PolicySource | None = None,
        tools: dict[str, ToolSpec] | None = None,
        request_state_key: str = "",
        audit_enabled: bool = True,
    ) -> None:
        context = server()
        config = context.config
        self._specs: dict[str, ToolSpec] = {}
        self._schemas: dict[str, dict[str, Any]] = {}
        # Built once: `tools/list` only filters this by the policy in force. The SDK's own tool registry is not
        # used (it builds a pydantic model per tool at start-up for a call path we replace).
        self._listed: list[MCPTool] = []
        contexts = not config.in_cluster
        chosen = {
            spec.name: spec
            for spec in (tools if tools is not None else TOOLS).values()
            if not (spec.kubeconfig_only and config.in_cluster)
        }
        schemas = input_schemas(chosen)
        for spec in chosen.values():
            schema = schemas[spec.name]
            if contexts and spec.takes_context:
                schema = {**schema, "properties": {**schema["properties"], CONTEXT_ARGUMENT: CONTEXT_PROPERTY}}
            names = [spec.name] + ([DEPRECATED_ALIAS_PREFIX + spec.name] if spec.alias else [])
            for name in names:
                self._specs[name] = spec
                self._schemas[name] = schema
            self._listed.append(
                MCPTool(
                    name=spec.name,
                    title=spec.title,
                    description=spec.description,
                    input_schema=schema,
                    annotations=spec.annotations(),
                )
            )
        # With no key the SDK seals under a key of this process only: fine for one worker, not for several.
        security = RequestStateSecurity(keys=[request_state_key]) if request_state_key else None
        super().__init__(
            name=config.server_name,
            version=config.server_version,
            instructions=INSTRUCTIONS,
            request_state_security=security,
            log_level=SDK_LOG_LEVELS.get(config.log_level, "INFO"),
        )
        self._server = server
        from django.conf import settings

        self.confirm_mode = str(getattr(settings, "CONFIRM_DESTRUCTIVE", "ask"))
        self.confirm_seconds = float(getattr(settings, "CONFIRM_TIMEOUT_SECONDS", confirmation.ANSWER_SECONDS))
        # The same reader as the context's, following whichever context `server` returns.
        self.policy = policy or PolicySource(lambda: server().config)
        self.runner = ToolRunner(server=server, policy=self.policy, audit_enabled=audit_enabled)
        # The same call with dry-run on, unaudited: what a person confirming a destructive change is shown.
        self.preview_runner = ToolRunner(
            server=server, policy=confirmation.DryRunPreview(self.policy), audit_enabled=False
        )
        self._log_levels: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
        self._lowlevel_server.add_request_handler("logging/setLevel", SetLevelRequestParams, self._set_log_level)
        completer = ArgumentCompleter(server=server, policy=self.policy)
        self._lowlevel_server.add_request_handler("completion/complete", CompleteRequestParams, completer.handle)
        if "get" in self._specs:  # a server built with a subset of the tools may lack it
            register_resources(self, contexts=contexts)
        register_prompts(self)

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Context[Any, Any] | None = None
    ) -> GetPromptResult | InputRequiredResult:
        """`prompts/get`; an unknown prompt or a missing argument is the client's mistake: -32602 in both eras
        (the SDK raises a bare ValueError, which one era answers with code 0 and the other with -32603)."""
        prompt = self._prompt_manager.get_prompt(name)
        if prompt is None:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown prompt: {name}")
        required = [argument.name for argument in prompt.arguments or () if argument.required]
        if missing := [argument for argument in required if argument not in (arguments or {})]:
            raise MCPError(code=INVALID_PARAMS, message=f"Missing required arguments: {', '.join(missing)}")
        return await super().get_prompt(name, arguments, context)

    def _tool_input_schema(self, name: str) -> dict[str, Any] | None:
        # The SDK checks Mcp-Param headers (2026-07-28) against this; its registry is empty here.
        return self._schemas.get(name)

    def tool_schema(self, name: str) -> dict[str, Any]:
        """The strict JSON schema a tool's arguments are checked against."""
        return self._schemas[name]

    # --- tools/list ------------------------------------------------------------------------

    async def list_tools(self) -> list[MCPTool]:
        policy = await anyio.to_thread.run_sync(releasing_connections(self.policy.current))
        return [
            tool
            for tool in self._listed
            if not self._specs[tool.name].mutating or policy.allows(self._specs[tool.name].operation)
        ]

    # --- tools/call ------------------------------------------------------------------------

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None) -> Any:
        spec = self._specs.get(name)
        if spec is None:
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown tool: {name}")
        request_context = _request_context(context)
        request = request_context.request if request_context is not None else None
        scope = getattr(request, "scope", None)
        caller = caller_from_scope(scope) if request is not None else LOCAL
        # The id the HTTP layer gave the request travels in the scope, like the caller; a call over
        # stdio has none and gets one of its own, for its log lines and its audit record.
        request_id = request_id_from_scope(scope) or uuid.uuid4().hex
        if self.confirm_mode != "off" and confirmation.needs_confirmation(spec.name, arguments):
            refused = await self._confirm(spec, arguments, caller, context, request_id)
            if refused is not None:
                return refused
        started = time.perf_counter()
        with bound_request_id(request_id):
            outcome = await self.runner.run(
                spec,
                arguments,
                caller=caller,
                schema=self._schemas[name],
                progress=self._progress_sender(context),
                log=self._log_sender(context),
                request_id=request_id,
            )
            self._server().logger.info(
                "tool call",
                tool=name,
                outcome=outcome.outcome,
                user=caller.username,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                jsonrpc_id=str(request_context.request_id) if request_context is not None else None,
            )
        return CallToolResult(
            content=[TextContent(type="text", text=outcome.text)],
            structured_content=outcome.structured,
            is_error=outcome.is_error,
        )

    async def _confirm(
        self,
        spec: ToolSpec,
        arguments: dict[str, Any],
        caller: Caller,
        context: Context[Any, Any] | None,
        request_id: str,
    ) -> CallToolResult | InputRequiredResult | None:
        """Ask the person before a destructive change; None when the call may go ahead."""
        policy = await anyio.to_thread.run_sync(releasing_connections(self.policy.current))
        if not policy.allows(spec.operation) or policy.dry_run_for(spec.operation):
            return None  # the runner refuses it, or nothing will change: nothing to confirm
        continued = confirmation.is_continuation(context)
        if not continued and not confirmation.can_ask(context):
            # Neither way to ask: no preview is worth its dry run; `ask` proceeds, `required` refuses.
            return await self._refuse(spec, arguments, caller, request_id, confirmation.Decision("unsupported"))
        server = self._server()
        requested = str(arguments.get(CONTEXT_ARGUMENT) or "")

        def cluster_of_call() -> str:
            chosen = resolve_context(server, caller, requested)
            return chosen or (
                "in-cluster" if server.config.in_cluster else server.client_factory.default_context_name()
            )

        try:
            # The cluster is part of what is confirmed: a default context changed in between must not move the call.
            cluster = await anyio.to_thread.run_sync(releasing_connections(cluster_of_call))
        except (ToolInputError, KubeConfigError):
            return None  # the runner answers the same error, and nothing is sent
        dry_run = ""
        if spec.operation not in NOT_DRY_RUNNABLE and not continued:
            previewed = await self.preview_runner.run(
                spec, arguments, caller=caller, schema=self._schemas[spec.name], request_id=request_id
            )
            dry_run = previewed.text
        decision = await confirmation.ask(
            context,
            title=spec.title,
            tool=spec.name,
            arguments={**arguments, CONTEXT_ARGUMENT: cluster},
            caller=caller,
            dry_run=dry_run,
            answer_seconds=self.confirm_seconds,
        )
        if isinstance(decision, InputRequiredResult):
            return decision
        return await self._refuse(spec, arguments, caller, request_id, decision)

    async def _refuse(
        self,
        spec: ToolSpec,
        arguments: dict[str, Any],
        caller: Caller,
        request_id: str,
        decision: confirmation.Decision,
    ) -> CallToolResult | None:
        """The answer to a call the person did not confirm, audited; None when it may go ahead."""
        self._server().metrics.increment("destructive_confirmations_total", verdict=decision.verdict)
        refusal = confirmation.refusal_text(decision, self.confirm_mode)
        if refusal is None:
            return None
        text, outcome = refusal
        if self.runner.audit_enabled:
            record = functools.partial(
                audit.record_call,
                user=caller.username,
                identity=caller.kube_identity,
                tool=spec.name,
                operation=spec.operation,
                outcome=outcome,
                duration_ms=0.0,
                arguments=arguments,
                namespace=str(arguments.get("namespace") or ""),
                kind=str(arguments.get("resourceType") or ""),
                name=str(arguments.get("name") or arguments.get("release") or arguments.get("nodeName") or ""),
                message=text,
                request_id=request_id,
            )
            await anyio.to_thread.run_sync(releasing_connections(record))
        return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)

    def _progress_sender(self, context: Context[Any, Any] | None) -> Callable[..., Any] | None:
        if context is None:
            return None

        async def send(progress: float, total: float | None, message: str | None) -> None:
            await context.report_progress(progress, total, message)

        return send

    def _log_sender(self, context: Context[Any, Any] | None) -> Callable[..., Any] | None:
        if context is None:
            return None
        request_context = _request_context(context)
        session = request_context.session if request_context is not None else None
        minimum = self._log_levels.get(session, "info") if session is not None else "info"

        async def send(level: str, message: str) -> None:
            if LOG_LEVELS.index(level) < LOG_LEVELS.index(minimum):
                return
            with warnings.catch_warnings():
                # Log notifications are deprecated in 2026-07-28 but part of 2025-11-25, which we serve too.
                warnings.simplefilter("ignore")
                await context.log(level, message, logger_name="kubemcp")  # type: ignore[arg-type]

        return send

    async def _set_log_level(self, ctx: Any, params: SetLevelRequestParams) -> EmptyResult:
        session = getattr(ctx, "session", None)
        if session is not None:
            self._log_levels[session] = params.level
        return EmptyResult()


def _request_context(context: Context[Any, Any] | None) -> Any:
    """`context.request_context`, read from the model's private attributes directly.

    The property goes through pydantic's `__getattr__`, which raises and catches an AttributeError on every read
    (~20 us, and a quarter of the event loop's CPU in a profile of `tools/call`); the value is the same.
    """
    if context is None:
        return None
    private = getattr(context, "__pydantic_private__", None) or {}
    return private.get("_request_context") if "_request_context" in private else context.request_context

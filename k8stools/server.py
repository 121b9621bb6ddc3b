"""The MCP server: the SDK's `MCPServer` with kubemcp's tools, guardrails and protocol extras.

`tools/list` follows the policy in force (mutating tools the policy forbids are left out, and
deprecated `kubernetes_<name>` aliases are never listed); `tools/call` goes through the
`ToolRunner`. `logging/setLevel` filters the log notifications that tools send.
"""

from __future__ import annotations

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
    SetLevelRequestParams,
    TextContent,
)
from mcp_types import Tool as MCPTool

from k8stools.completion import ArgumentCompleter
from k8stools.context import ServerContext, get_server_context
from k8stools.dbconnections import releasing_connections
from k8stools.identity import LOCAL, caller_from_scope
from k8stools.log import bound_request_id, request_id_from_scope
from k8stools.mcp_resources import register_resources
from k8stools.policy import PolicySource
from k8stools.prompts import register_prompts
from k8stools.tools import catalog  # noqa: F401 - registers the tools
from k8stools.tools.registry import CONTEXT_ARGUMENT, CONTEXT_PROPERTY, DEPRECATED_ALIAS_PREFIX, TOOLS, ToolSpec
from k8stools.tools.runner import ToolRunner
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

        self.policy = policy or PolicySource(lambda: server().config, refresh_seconds=settings.POLICY_REFRESH_SECONDS)
        self.runner = ToolRunner(server=server, policy=self.policy, audit_enabled=audit_enabled)
        self._log_levels: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
        self._lowlevel_server.add_request_handler("logging/setLevel", SetLevelRequestParams, self._set_log_level)
        completer = ArgumentCompleter(server=server, policy=self.policy)
        self._lowlevel_server.add_request_handler("completion/complete", CompleteRequestParams, completer.handle)
        if "get" in self._specs:  # a server built with a subset of the tools may lack it
            register_resources(self, contexts=contexts)
        register_prompts(self)

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

"""Port-forward workflows: start, stop, stop all, list. Tools, admin actions and commands call these.

Each is a keyword-only function that writes in a transaction. A start resolves the target, checks
the policy on the portforward path, admits the session under the limits, then opens the listeners
in this worker. A stop marks the row stopped first, then closes the listeners: here when this
worker holds them, else through the Channels layer (k8stools.portforward.messages).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from k8stools.context import ServerContext
from k8stools.guard import GuardedClient
from k8stools.identity import Caller
from k8stools.models import PortForwardSession
from k8stools.portforward import records
from k8stools.portforward.config import PortForwardConfig
from k8stools.portforward.lifecycle import current_forwarder, get_forwarder, sweep_once
from k8stools.portforward.ports import parse_ports
from k8stools.portforward.targets import portforward_request, resolve_target
from k8stools.portforward.worker import current_worker_id, is_gone_locally

Status = PortForwardSession.Status


class PortForwardError(Exception):
    """The session cannot be started or stopped; the message says why and what to do."""


class SessionNotFound(PortForwardError):
    pass


@dataclass(frozen=True, slots=True)
class StopResult:
    session: PortForwardSession
    already_ended: bool  # it had ended before this stop
    # The listeners are known to be closed; False: the holding worker closes them at its next check.
    listener_closed: bool


def port_forward_start(
    *,
    server: ServerContext,
    client: GuardedClient,
    caller: Caller,
    namespace: str,
    resource_type: str,
    resource_name: str,
    ports: list[str],
    config: PortForwardConfig | None = None,
) -> PortForwardSession:
    """Start forwarding local ports of this worker to a pod (or a service's pod); the active session.

    Raises `PortSpecError`, `TargetError` and `PortForwardError` for what the caller can fix,
    `PolicyDenied` when the policy forbids it, `KubeError` from the API server.
    """
    config = config or PortForwardConfig.from_settings()
    if server.config.in_cluster and not config.in_cluster:
        raise PortForwardError(
            "port-forward is off in in-cluster mode: the listener would open inside the server's pod, out of your "
            "reach; an operator can turn it on with PORT_FORWARD_IN_CLUSTER=true"
        )
    requests = parse_ports(ports)
    target = resolve_target(client, namespace=namespace, kind=resource_type, name=resource_name, requests=requests)
    # The connect request is what the guard judges: the operation, and the namespace.
    connection = client.connect(portforward_request(namespace, target.pod))
    sweep_once(config)
    forwarder = get_forwarder(server, config)
    with transaction.atomic():
        records.lock_admission()
        live = PortForwardSession.objects.live()
        if live.count() >= config.max_total:
            raise PortForwardError(
                f"the server already runs its maximum of {config.max_total} port-forward sessions "
                "(PORT_FORWARD_MAX_TOTAL); stop one of yours with stop_port_forward_session, or try later"
            )
        if live.filter(owner=caller.key).count() >= config.max_per_user:
            raise PortForwardError(
                f"you already have {config.max_per_user} live port-forward sessions (PORT_FORWARD_MAX_PER_USER); "
                "stop one with stop_port_forward_session (list_port_forward_sessions shows them)"
            )
        session = PortForwardSession.objects.create(
            owner=caller.key,
            owner_name=caller.username,
            context=client.context,
            namespace=namespace,
            target_kind=resource_type,
            target_name=resource_name,
            pod_name=target.pod,
            ports=[list(pair) for pair in target.ports],
            worker_id=forwarder.worker_id,
        )
    try:
        bound = forwarder.open_sync(
            session_id=str(session.pk),
            connection=connection,
            namespace=namespace,
            pod=target.pod,
            pod_uid=target.pod_uid,
            ports=target.ports,
        )
    except OSError as error:
        session.end(Status.FAILED, by="start", error=f"cannot listen: {error.strerror or error}")
        session.save()
        raise PortForwardError(_bind_problem(config.bind_address, target.ports, error)) from None
    except BaseException as error:  # never leave a row "starting" that this live worker would keep alive
        session.end(Status.FAILED, by="start", error=f"the listeners could not be opened: {error!r}")
        session.save()
        raise
    session.ports = [list(pair) for pair in bound]
    session.status = Status.ACTIVE
    session.heartbeat = timezone.now()
    PortForwardSession.objects.filter(pk=session.pk, status=Status.STARTING).update(
        status=session.status, ports=session.ports, heartbeat=session.heartbeat
    )
    return session


def _bind_problem(address: str, ports: list[tuple[int, int]], error: OSError) -> str:
    fixed = [local for local, _ in ports if local]
    where = f"{address}:{', '.join(map(str, fixed))}" if fixed else address
    return (
        f"cannot listen on {where} on the server's host ({error.strerror or error}); choose another local port, "
        'or give only the remote port (such as "80") to get a free one'
    )


def port_forward_stop(*, session_id: str | uuid.UUID, by: Caller) -> StopResult:
    """Stop one session that `by` may see (their own; any for staff), wherever its listeners are."""
    pk = _session_pk(session_id)
    sweep_once()
    with transaction.atomic():
        session = PortForwardSession.objects.select_for_update().filter(pk=pk).first()
        if session is None or not session.visible_to(by.key, is_staff=by.is_staff):
            raise SessionNotFound(
                f"no port-forward session {session_id} among yours; list_port_forward_sessions shows your sessions"
            )
        if not session.is_live:
            return StopResult(session=session, already_ended=True, listener_closed=True)
        session.end(Status.STOPPED, by=by.username)
        session.save()
    return StopResult(session=session, already_ended=False, listener_closed=_close_listeners(session, by.username))


def _close_listeners(session: PortForwardSession, by: str) -> bool:
    """Close the session's listeners where they are; True when that is confirmed."""
    forwarder = current_forwarder()
    if session.worker_id == current_worker_id():
        if forwarder is not None and not forwarder.closed:
            forwarder.stop_sync(str(session.pk), by=by)
        return True
    if is_gone_locally(session.worker_id):
        return True  # its worker exited: nothing listens any more
    if forwarder is None or forwarder.closed:
        from k8stools.context import get_server_context

        forwarder = get_forwarder(get_server_context())
    return forwarder.request_stop_sync(worker_id=session.worker_id, session_id=str(session.pk), by=by)


def port_forward_stop_all(*, by: Caller, all_users: bool = False) -> list[StopResult]:
    """Stop every live session of `by` (with `all_users`, staff only: everyone's)."""
    if all_users and not by.is_staff:
        raise PortForwardError("only staff can stop other users' sessions; leave allUsers out to stop your own")
    sweep_once()
    sessions = PortForwardSession.objects.live()
    if not all_users:
        sessions = sessions.filter(owner=by.key)
    results = []
    for pk in sessions.values_list("pk", flat=True):
        try:
            result = port_forward_stop(session_id=pk, by=by)
        except SessionNotFound:
            continue
        if not result.already_ended:
            results.append(result)
    return results


def port_forward_list(*, caller: Caller, include_ended: bool = False, limit: int = 50) -> list[PortForwardSession]:
    """The sessions `caller` may see, newest first: live ones, or with `include_ended` the ended ones too."""
    sweep_once()
    sessions = PortForwardSession.objects.visible_to(caller.key, is_staff=caller.is_staff)
    if not include_ended:
        sessions = sessions.live()
    return list(sessions.order_by("-created")[:limit])


def _session_pk(session_id: str | uuid.UUID) -> uuid.UUID:
    if isinstance(session_id, uuid.UUID):
        return session_id
    try:
        return uuid.UUID(str(session_id).strip())
    except ValueError:
        raise SessionNotFound(
            f"{session_id!r} is not a session id; use the sessionId that port_forward or list_port_forward_sessions gave"
        ) from None

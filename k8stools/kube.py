"""The one module that imports the `kubernetes` client; everything else asks it.

`KubeClientFactory` builds clients from a kubeconfig (any context), from the in-cluster service
account, or from an explicit host and bearer token (one user's own identity, for downstream
OAuth). `KubeClient` speaks to one API server: JSON requests that return plain dicts (no model
objects, which cost more than the HTTP round trip), discovery, exec and port-forward streams.
Kubernetes failures come out as `KubeError`, with the API server's own status and message.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import orjson
import urllib3

from k8stools.apirequest import ApiRequest, group_version_request, nonresource
from k8stools.gcpause import collection_paused
from k8stools.names import InvalidName

if TYPE_CHECKING:
    from kubernetes import client as k8s_client
    from kubernetes.client.rest import ApiException

# The `kubernetes` package is imported where a client is built or a kubeconfig read, not here: its
# `client/__init__` loads every model and API class (~0.25 s of CPU at start, ~7 MB), and a stdio server answers
# `initialize` and `tools/list` without it. `tests/core/test_startup_imports.py` keeps it out of that start.


def load_client_package() -> None:
    """Import the `kubernetes` package now rather than in the first call that talks to a cluster.

    The HTTP application does this as it is built: a worker's start to its first call costs the same either way, and
    its first call (perhaps one that continues a confirmation another worker asked for, within its time limit) is
    not the one that pays."""
    import kubernetes.client  # noqa: F401
    import kubernetes.config  # noqa: F401
    import kubernetes.stream.ws_client  # noqa: F401


CONNECT_TIMEOUT_SECONDS = 5.0
# A 429 is retried when the server asks for a wait this short; longer waits become a tool error.
MAX_RETRY_AFTER_SECONDS = 3.0
# A JSON body this big (a list page of ~60 pods or more) is decoded with the cyclic collector paused.
PAUSE_COLLECTION_BYTES = 64 * 1024
# urllib3's default retry would sleep out any Retry-After of a 429 or 503 itself (two minutes, if the server says
# so) before `raw` could apply the limit above; connection and read retries stay as urllib3's default.
URLLIB3_RETRIES = urllib3.util.Retry(3, respect_retry_after_header=False)
# Sees the final URL of a request before it is sent; refuses it by raising.
UrlCheck = Callable[[str], None]


def decode_json(data: bytes) -> Any:
    """A response body as Python values: orjson (~30 % less CPU than `json` on a 3 MB list), or `json` for what
    only it takes (NaN); ValueError for a body that is not JSON. orjson reads an integer beyond 64 bits as a float;
    the API server never sends one (Go holds JSON numbers as int64 or float64)."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


class KubeError(Exception):
    """A Kubernetes API failure, with the HTTP status (0 when the server was not reached)."""

    def __init__(self, status: int, reason: str, message: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.body = body or {}

    @classmethod
    def from_api_exception(cls, error: ApiException) -> KubeError:
        raw = error.body.decode("utf-8", "replace") if isinstance(error.body, bytes) else (error.body or "")
        body: dict[str, Any] = {}
        try:
            parsed = json.loads(raw) if raw else {}
            body = parsed if isinstance(parsed, dict) else {}
        except ValueError:
            pass
        message = body.get("message") or raw.strip() or error.reason or "request failed"
        reason = body.get("reason") or error.reason or ""
        kube_error = cls(int(error.status or 0), str(reason), str(message), body)
        kube_error.retry_after = _retry_after(error.headers)
        return kube_error

    retry_after: float | None = None


class KubeUnavailable(KubeError):
    """The API server could not be reached, or did not answer in time."""

    def __init__(self, message: str) -> None:
        super().__init__(0, "Unavailable", message)


class KubeConfigError(Exception):
    """No usable kubeconfig, context or in-cluster service account."""


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class RateLimiter:
    """A token bucket: `qps` requests per second on average, bursts of up to `burst`."""

    def __init__(self, qps: float, burst: int, clock: Any = time.monotonic, sleep: Any = time.sleep) -> None:
        self.qps = qps
        self.burst = burst
        self._tokens = float(burst)
        self._clock = clock
        self._sleep = sleep
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, waiting for it if needed; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.qps)
            self._updated = now
            self._tokens -= 1
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.qps
        if wait:
            self._sleep(wait)
        return wait


@dataclass(frozen=True, slots=True)
class ResourceType:
    """One kind the API server serves, as discovery describes it."""

    group: str
    version: str
    name: str  # the plural, as in the URL: "deployments"
    kind: str
    namespaced: bool
    verbs: frozenset[str]
    singular: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: frozenset[str] = frozenset()
    preferred: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified_name(self) -> str:
        """`deployments.apps`, or `pods` for the core group: the form kubectl and error messages use."""
        return f"{self.name}.{self.group}" if self.group else self.name


@dataclass(frozen=True, slots=True)
class ExecResult:
    stdout: str
    stderr: str
    exit_code: int
    truncated: bool = False
    timed_out: bool = False


@dataclass(frozen=True, slots=True)
class KubeContext:
    name: str
    cluster: str
    user: str
    namespace: str = ""
    current: bool = False
    server: str = ""


class KubeClient:
    """A client for one API server and one identity; safe to share between threads."""

    def __init__(
        self,
        api_client: k8s_client.ApiClient,
        *,
        context: str,
        limiter: RateLimiter,
        discovery_ttl_seconds: float = 300.0,
        impersonation: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.api_client = api_client
        # `Impersonate-*` headers sent with every request (impersonate mode); a header may repeat.
        self.impersonation = impersonation
        self.context = context
        self.host = api_client.configuration.host
        self.limiter = limiter
        self.discovery_ttl_seconds = discovery_ttl_seconds
        self._discovery: list[ResourceType] | None = None
        self._discovered_at = 0.0
        self._discovery_lock = threading.Lock()

    # --- plain requests --------------------------------------------------------------------

    def raw(
        self,
        request: ApiRequest,
        *,
        timeout: float | None = 30.0,
        stream: bool = False,
        url_check: UrlCheck | None = None,
    ) -> urllib3.BaseHTTPResponse:
        """Send one request; the urllib3 response, unread when `stream` is set.

        `url_check` sees the final URL as it will go to urllib3, and may refuse it by raising.
        """
        headers = {"Accept": request.accept}
        if request.body is not None:
            headers["Content-Type"] = request.content_type
        from kubernetes.client.rest import ApiException

        request_timeout = (CONNECT_TIMEOUT_SECONDS, timeout) if timeout else None
        for attempt in range(3):
            self.limiter.acquire()
            try:
                # kubernetes 37: serialize (query, auth headers, JSON body), then send; the response
                # stays unread, so `stream=True` callers can read it chunk by chunk.
                method_, url, header_params, serialized_body, _ = self.api_client.param_serialize(
                    method=request.method,
                    resource_path=request.path,
                    query_params=list(request.query),
                    header_params=headers,
                    body=request.body,
                    auth_settings=["BearerToken"],
                )
                if url_check is not None:
                    url_check(url)
                sent_headers: dict[str, str] | urllib3.HTTPHeaderDict = header_params
                if self.impersonation:
                    # A header dict that keeps repeated names: one Impersonate-Group line per group.
                    sent_headers = urllib3.HTTPHeaderDict(header_params)
                    for name, value in self.impersonation:
                        sent_headers.add(name, value)
                rest_response = self.api_client.call_api(
                    method_, url, header_params=sent_headers, body=serialized_body, _request_timeout=request_timeout
                )
                response = rest_response.response
                if not 200 <= response.status <= 299:
                    rest_response.read()
                    raise ApiException(http_resp=rest_response)
            except ApiException as error:
                kube_error = KubeError.from_api_exception(error)
                wait = kube_error.retry_after
                if kube_error.status == 429 and attempt < 2 and wait is not None and wait <= MAX_RETRY_AFTER_SECONDS:
                    time.sleep(wait)
                    continue
                raise kube_error from None
            except (urllib3.exceptions.HTTPError, OSError) as error:
                raise KubeUnavailable(_unavailable_message(self.host, error)) from None
            if not stream:
                try:
                    response.data  # noqa: B018 - read the whole body now, inside the error handling
                except (urllib3.exceptions.HTTPError, OSError) as error:
                    raise KubeUnavailable(_unavailable_message(self.host, error)) from None
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def request(self, request: ApiRequest, *, timeout: float | None = 30.0, url_check: UrlCheck | None = None) -> Any:
        """Send one request and return the decoded JSON body."""
        response = self.raw(request, timeout=timeout, url_check=url_check)
        data = response.data
        if not data:
            return {}
        try:
            if len(data) < PAUSE_COLLECTION_BYTES:
                return decode_json(data)
            with collection_paused():  # a big list: see k8stools.gcpause
                return decode_json(data)
        except ValueError:
            raise KubeError(
                response.status, "BadResponse", f"the API server sent a response that is not JSON: {data[:200]!r}"
            ) from None

    def text(self, request: ApiRequest, *, timeout: float | None = 30.0, url_check: UrlCheck | None = None) -> str:
        """GET a text resource (pod logs, node logs)."""
        response = self.raw(replace(request, accept="*/*"), timeout=timeout, url_check=url_check)
        return response.data.decode("utf-8", "replace")

    def stream_lines(
        self, request: ApiRequest, *, timeout: float | None = None, url_check: UrlCheck | None = None
    ) -> Iterator[str]:
        """GET a streaming text resource (`follow=true` logs) line by line; close the iterator to stop."""
        response = self.raw(replace(request, accept="*/*"), timeout=timeout, stream=True, url_check=url_check)
        buffer = b""
        try:
            for chunk in response.stream(4096, decode_content=True):
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    yield line.decode("utf-8", "replace")
            if buffer:
                yield buffer.decode("utf-8", "replace")
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise KubeUnavailable(f"the log stream was cut off: {error}") from None
        finally:
            response.release_conn()
            response.close()

    def version(self, timeout: float = 10.0) -> dict[str, Any]:
        return self.request(nonresource("version"), timeout=timeout)

    # --- discovery -------------------------------------------------------------------------

    def resource_types(self, *, refresh: bool = False) -> list[ResourceType]:
        """Every kind the server serves (all versions; `preferred` marks the group's preferred one)."""
        with self._discovery_lock:
            fresh = time.monotonic() - self._discovered_at < self.discovery_ttl_seconds
            if self._discovery is None or refresh or not fresh:
                self._discovery = self._discover()
                self._discovered_at = time.monotonic()
            return self._discovery

    def _discover(self) -> list[ResourceType]:
        group_versions: list[tuple[str, str, bool]] = []
        core = self.request(nonresource("api"))
        group_versions += [("", version, index == 0) for index, version in enumerate(core.get("versions", []))]
        for group in self.request(nonresource("apis")).get("groups", []):
            preferred = (group.get("preferredVersion") or {}).get("version")
            for version in group.get("versions", []):
                group_versions.append((group["name"], version["version"], version["version"] == preferred))
        types: list[ResourceType] = []
        for group, version, preferred in group_versions:
            try:
                listing = self.request(group_version_request(group, version))
            except InvalidName:  # a group or version no valid request can name: nothing of it can be used
                continue
            except KubeError as error:
                if error.status in (404, 503):  # an aggregated API that is down: skip it like kubectl does
                    continue
                raise
            types.extend(_parse_resource_list(listing, group, version, preferred))
        return types


def _parse_resource_list(listing: dict[str, Any], group: str, version: str, preferred: bool) -> list[ResourceType]:
    subresources: dict[str, set[str]] = {}
    for entry in listing.get("resources", []):
        if "/" in entry["name"]:
            parent, sub = entry["name"].split("/", 1)
            subresources.setdefault(parent, set()).add(sub)
    return [
        ResourceType(
            group=group,
            version=version,
            name=entry["name"],
            kind=entry["kind"],
            namespaced=bool(entry.get("namespaced")),
            verbs=frozenset(entry.get("verbs") or ()),
            singular=entry.get("singularName") or entry["kind"].lower(),
            short_names=tuple(entry.get("shortNames") or ()),
            categories=tuple(entry.get("categories") or ()),
            subresources=frozenset(subresources.get(entry["name"], ())),
            preferred=preferred,
        )
        for entry in listing.get("resources", [])
        if "/" not in entry["name"]
    ]


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _unavailable_message(host: str, error: BaseException) -> str:
    text = str(error)
    if "timed out" in text.lower() or isinstance(error, urllib3.exceptions.TimeoutError):
        return f"the Kubernetes API server at {host} did not answer in time"
    if "refused" in text.lower():
        return f"cannot reach the Kubernetes API server at {host}: connection refused"
    return f"cannot reach the Kubernetes API server at {host}: {type(error).__name__}"


@dataclass
class _TokenClientCache:
    """Per-user clients keyed by the token's hash: bounded, each entry kept for `ttl` seconds."""

    ttl: float = 300.0
    max_entries: int = 100
    entries: OrderedDict[str, tuple[float, KubeClient]] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # False when the cached clients share another client's connection pool, which must stay open.
    close_evicted: bool = True

    def get(self, key: str) -> KubeClient | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or time.monotonic() - entry[0] > self.ttl:
                self.entries.pop(key, None)
                return None
            self.entries.move_to_end(key)
            return entry[1]

    def put(self, key: str, value: KubeClient) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic(), value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                _, (_, evicted) = self.entries.popitem(last=False)
                if self.close_evicted:
                    evicted.api_client.close()


class KubeClientFactory:
    """Builds and caches `KubeClient`s: one per kubeconfig context, or per user token."""

    def __init__(
        self,
        *,
        kubeconfig: str = "",
        default_context: str = "",
        in_cluster: bool = False,
        qps: float = 20.0,
        burst: int = 30,
        pool_size: int = 32,
        impersonation_cache_size: int = 200,
    ) -> None:
        self.kubeconfig = kubeconfig
        self.default_context = default_context
        self.in_cluster = in_cluster
        self.qps = qps
        self.burst = burst
        self.pool_size = pool_size
        self._clients: dict[str, KubeClient] = {}
        self._token_clients = _TokenClientCache()
        self._impersonating_clients = _TokenClientCache(max_entries=impersonation_cache_size, close_evicted=False)
        self._lock = threading.Lock()
        self._contexts: tuple[tuple[float, ...], list[KubeContext]] | None = None

    # --- contexts --------------------------------------------------------------------------

    def contexts(self) -> list[KubeContext]:
        """The kubeconfig's contexts (one synthetic `in-cluster` context in in-cluster mode).

        Parsed again only when a kubeconfig file changes: tools ask for this on many calls.
        """
        if self.in_cluster:
            return [KubeContext(name="in-cluster", cluster="in-cluster", user="serviceaccount", current=True)]
        stamp = self._kubeconfig_stamp()
        cached = self._contexts
        if cached is not None and cached[0] == stamp:
            return cached[1]
        contexts = self._read_contexts()
        self._contexts = (stamp, contexts)
        return contexts

    def _kubeconfig_stamp(self) -> tuple[float, ...]:
        paths = (self.kubeconfig or os.path.expanduser("~/.kube/config")).split(os.pathsep)
        stamp = []
        for path in paths:
            try:
                stamp.append(os.stat(os.path.expanduser(path)).st_mtime_ns)
            except OSError:
                stamp.append(-1)
        return tuple(stamp)

    def _read_contexts(self) -> list[KubeContext]:
        from kubernetes import config as k8s_config
        from kubernetes.config.config_exception import ConfigException

        try:
            contexts, active = k8s_config.list_kube_config_contexts(config_file=self.kubeconfig or None)
        except (ConfigException, OSError) as error:
            raise KubeConfigError(_kubeconfig_problem(self.kubeconfig, error)) from None
        current = self.default_context or (active or {}).get("name", "")
        result = []
        for entry in contexts or []:
            details = entry.get("context") or {}
            result.append(
                KubeContext(
                    name=entry["name"],
                    cluster=details.get("cluster", ""),
                    user=details.get("user", ""),
                    namespace=details.get("namespace", ""),
                    current=entry["name"] == current,
                )
            )
        return result

    def default_context_name(self) -> str:
        for context in self.contexts():
            if context.current:
                return context.name
        raise KubeConfigError("the kubeconfig has no current context; set KUBE_CONTEXT")

    # --- clients ---------------------------------------------------------------------------

    def for_context(self, name: str = "") -> KubeClient:
        """The server's own client for a kubeconfig context (the default one when `name` is empty)."""
        name = name or self.default_context_name()
        with self._lock:
            client = self._clients.get(name)
            if client is None:
                client = KubeClient(self._api_client_for_context(name), context=name, limiter=self._limiter())
                self._clients[name] = client
            return client

    def for_bearer_token(self, token: str, *, context: str = "") -> KubeClient:
        """A client that acts as the owner of `token` (an OIDC ID token), on the same API server.

        The host and CA come from the server's own context; the credentials are only the token.
        """
        key = hashlib.sha256(f"{context}\0{token}".encode()).hexdigest()
        cached = self._token_clients.get(key)
        if cached is not None:
            return cached
        from kubernetes import client as k8s_client

        template = self.for_context(context).api_client.configuration
        configuration = k8s_client.Configuration()
        configuration.host = template.host
        configuration.ssl_ca_cert = template.ssl_ca_cert
        configuration.verify_ssl = template.verify_ssl
        configuration.api_key = {"authorization": f"Bearer {token}"}
        configuration.connection_pool_maxsize = self.pool_size
        configuration.retries = URLLIB3_RETRIES
        client = KubeClient(
            k8s_client.ApiClient(configuration), context=context or self.default_context_name(), limiter=self._limiter()
        )
        self._token_clients.put(key, client)
        return client

    def for_impersonation(self, headers: tuple[tuple[str, str], ...], *, context: str = "") -> KubeClient:
        """The server's own client for `context`, sending `headers` (`Impersonate-*`) with every request.

        Cached per (context, impersonated identity), bounded; the connection pool is the server's own.
        """
        if not headers:
            raise ValueError("an impersonating client needs Impersonate-* headers")
        name = context or self.default_context_name()
        key = hashlib.sha256(json.dumps([name, headers]).encode()).hexdigest()
        cached = self._impersonating_clients.get(key)
        if cached is not None:
            return cached
        server = self.for_context(name)
        client = KubeClient(server.api_client, context=name, limiter=self._limiter(), impersonation=headers)
        self._impersonating_clients.put(key, client)
        return client

    def for_host(self, host: str, *, token: str = "", ca_file: str = "", verify: bool = True) -> KubeClient:
        """A client for an explicit API server URL and bearer token (not cached)."""
        from kubernetes import client as k8s_client

        configuration = k8s_client.Configuration()
        configuration.host = host
        configuration.verify_ssl = verify
        if ca_file:
            configuration.ssl_ca_cert = ca_file
        if token:
            configuration.api_key = {"authorization": f"Bearer {token}"}
        configuration.connection_pool_maxsize = self.pool_size
        configuration.retries = URLLIB3_RETRIES
        return KubeClient(k8s_client.ApiClient(configuration), context=host, limiter=self._limiter())

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.api_client.close()
            self._clients.clear()

    def _limiter(self) -> RateLimiter:
        return RateLimiter(self.qps, self.burst)

    def _api_client_for_context(self, name: str) -> k8s_client.ApiClient:
        from kubernetes import client as k8s_client
        from kubernetes import config as k8s_config
        from kubernetes.config.config_exception import ConfigException

        configuration = k8s_client.Configuration()
        try:
            if self.in_cluster:
                k8s_config.load_incluster_config(client_configuration=configuration)
            else:
                k8s_config.load_kube_config(
                    config_file=self.kubeconfig or None,
                    context=name,
                    client_configuration=configuration,
                    persist_config=False,
                )
        except (ConfigException, OSError) as error:
            if self.in_cluster:
                # IN_CLUSTER reads no kubeconfig: name what it does read, or the operator looks in the wrong place.
                problem = (
                    f"no usable in-cluster configuration (the pod's service account and API server address): {error}"
                )
                raise KubeConfigError(problem) from None
            raise KubeConfigError(_kubeconfig_problem(self.kubeconfig, error)) from None
        configuration.connection_pool_maxsize = self.pool_size
        configuration.retries = URLLIB3_RETRIES
        return k8s_client.ApiClient(configuration)


def _kubeconfig_problem(path: str, error: BaseException) -> str:
    where = path or "~/.kube/config"
    return f"no usable kubeconfig at {where}: {error}"

"""How to reach one API server as one identity: from a kubeconfig context, the in-cluster service account,
or an explicit host and token.

Most kubeconfigs say it in plain fields (server, CA, client certificate, bearer token or token file):
those are read here and requests go through a urllib3 pool of our own, without importing the `kubernetes`
package, whose `__init__` imports every API model (0.5-1 s of a start-up and ~30 MB of each worker).
Credentials that take code to produce (exec plugins, auth providers, basic auth) and SOCKS proxies are
left to the `kubernetes` loader, imported then. The `kubernetes` ApiClient that the exec and port-forward
websockets need is built on first use, from the same settings.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import os
import shutil
import ssl
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import urllib3
import yaml

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
# Projected service-account tokens rotate; a token file is read again after this long.
TOKEN_FILE_SECONDS = 60.0
# urllib3's default retry would sleep out any Retry-After of a 429 or 503 itself (two minutes, if the server says
# so) before `KubeClient.raw` could apply its own limit; connection and read retries stay as urllib3's default.
URLLIB3_RETRIES = urllib3.util.Retry(3, respect_retry_after_header=False)
PLAIN_USER_KEYS = frozenset(
    {"token", "tokenFile", "client-certificate", "client-certificate-data", "client-key", "client-key-data"}
)


class KubeConfigError(Exception):
    """No usable kubeconfig, context or in-cluster service account."""


@dataclass(frozen=True)
class Endpoint:
    """An API server URL, its TLS settings and a bearer token (or the file that holds one)."""

    host: str
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""
    verify: bool = True
    tls_server_name: str = ""
    proxy: str = ""
    token: str = ""
    token_file: str = ""

    def with_token(self, token: str) -> Endpoint:
        """The same server as someone else: only their token, none of our credentials."""
        return replace(self, cert_file="", key_file="", token=token, token_file="")


class Connection:
    """A connection pool to one API server and the credentials a request carries; thread-safe."""

    def __init__(
        self, endpoint: Endpoint, pool: urllib3.PoolManager, authorization: Callable[[], str], api_client: Any = None
    ) -> None:
        self.endpoint = endpoint
        self.host = endpoint.host
        self.pool = pool
        self.authorization = authorization
        self._api_client = api_client
        self._lock = threading.Lock()

    @property
    def api_client(self) -> Any:
        """A `kubernetes` ApiClient for the same server and identity (the websocket streams use it)."""
        with self._lock:
            if self._api_client is None:
                self._api_client = _api_client_for(self)
            return self._api_client

    def close(self) -> None:
        self.pool.clear()
        if self._api_client is not None:
            self._api_client.close()


def connect(endpoint: Endpoint, *, pool_size: int) -> Connection:
    arguments: dict[str, Any] = {"num_pools": 4, "maxsize": pool_size, "retries": URLLIB3_RETRIES}
    if endpoint.host.startswith("https"):
        arguments["cert_reqs"] = ssl.CERT_REQUIRED if endpoint.verify else ssl.CERT_NONE
        arguments["ca_certs"] = endpoint.ca_file or None
        arguments["cert_file"] = endpoint.cert_file or None
        arguments["key_file"] = endpoint.key_file or None
        if endpoint.tls_server_name:
            arguments["server_hostname"] = endpoint.tls_server_name
    proxy = endpoint.proxy or _environment_proxy(endpoint.host)
    pool = urllib3.ProxyManager(proxy, **arguments) if proxy else urllib3.PoolManager(**arguments)
    return Connection(endpoint, pool, _authorization(endpoint))


def connect_kubeconfig(kubeconfig: str, context: str, *, pool_size: int) -> Connection:
    """A kubeconfig context: read here when its fields are plain, else by the `kubernetes` loader."""
    config = read_kubeconfig(kubeconfig)
    endpoint = _plain_endpoint(config, context, kubeconfig)
    if endpoint is not None:
        return connect(endpoint, pool_size=pool_size)
    return _connect_with_loader(kubeconfig, context, pool_size=pool_size)


def connect_in_cluster(*, pool_size: int) -> Connection:
    host, port = os.environ.get("KUBERNETES_SERVICE_HOST"), os.environ.get("KUBERNETES_SERVICE_PORT")
    token_file = SERVICE_ACCOUNT / "token"
    if not host or not port or not token_file.is_file():
        raise KubeConfigError(
            "not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST/PORT or the service account token is missing"
        )
    host = f"[{host}]" if ":" in host else host
    ca_file = SERVICE_ACCOUNT / "ca.crt"
    endpoint = Endpoint(
        host=f"https://{host}:{port}", ca_file=str(ca_file) if ca_file.is_file() else "", token_file=str(token_file)
    )
    return connect(endpoint, pool_size=pool_size)


# --- kubeconfig files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KubeConfig:
    """The merged kubeconfig: the first file that names an entry (or a current context) wins, as in kubectl."""

    contexts: dict[str, dict[str, Any]]
    clusters: dict[str, tuple[dict[str, Any], Path]]
    users: dict[str, tuple[dict[str, Any], Path]]
    current_context: str


def kubeconfig_paths(setting: str) -> list[Path]:
    raw = setting or os.path.expanduser("~/.kube/config")
    return [Path(os.path.expanduser(part)) for part in raw.split(os.pathsep) if part]


def read_kubeconfig(setting: str) -> KubeConfig:
    merged = KubeConfig({}, {}, {}, "")
    found = False
    for path in kubeconfig_paths(setting):
        try:
            loaded = yaml.safe_load(path.read_text()) or {}
        except FileNotFoundError:
            continue
        except (OSError, yaml.YAMLError) as error:
            raise KubeConfigError(_problem(setting, f"cannot read {path}: {error}")) from None
        if not isinstance(loaded, dict):
            raise KubeConfigError(_problem(setting, f"{path} is not a kubeconfig"))
        found = True
        for entry in _named(loaded, "contexts"):
            merged.contexts.setdefault(entry["name"], entry.get("context") or {})
        for entry in _named(loaded, "clusters"):
            merged.clusters.setdefault(entry["name"], (entry.get("cluster") or {}, path))
        for entry in _named(loaded, "users"):
            merged.users.setdefault(entry["name"], (entry.get("user") or {}, path))
        if loaded.get("current-context") and not merged.current_context:
            merged = replace(merged, current_context=str(loaded["current-context"]))
    if not found:
        raise KubeConfigError(_problem(setting, "no such file"))
    return merged


def _named(loaded: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [entry for entry in loaded.get(key) or [] if isinstance(entry, dict) and entry.get("name")]


def _plain_endpoint(config: KubeConfig, context: str, setting: str) -> Endpoint | None:
    """The endpoint of a context whose credentials are plain fields; None when they need the loader."""
    if context not in config.contexts:
        raise KubeConfigError(_problem(setting, f"no context named '{context}'"))
    details = config.contexts[context]
    cluster, cluster_path = config.clusters.get(details.get("cluster", ""), ({}, Path()))
    user, user_path = config.users.get(details.get("user", ""), ({}, Path()))
    server = str(cluster.get("server") or "").rstrip("/")
    if not server:
        raise KubeConfigError(_problem(setting, f"context '{context}' names no cluster with a server"))
    proxy = str(cluster.get("proxy-url") or "")
    if not set(user) <= PLAIN_USER_KEYS or proxy.startswith("socks"):
        return None
    tls = server.startswith("https")
    return Endpoint(
        host=server,
        ca_file=_file_or_data(cluster, "certificate-authority", cluster_path) if tls else "",
        cert_file=_file_or_data(user, "client-certificate", user_path) if tls else "",
        key_file=_file_or_data(user, "client-key", user_path) if tls else "",
        verify=not cluster.get("insecure-skip-tls-verify", False),
        tls_server_name=str(cluster.get("tls-server-name") or ""),
        proxy=proxy,
        token=str(user.get("token") or ""),
        token_file=str(_relative(user_path, user["tokenFile"])) if user.get("tokenFile") else "",
    )


def _file_or_data(entry: dict[str, Any], key: str, source: Path) -> str:
    """`key-data` (base64, written to a private file) or `key` (a path relative to the kubeconfig)."""
    data = entry.get(f"{key}-data")
    if data:
        try:
            return _private_file(base64.b64decode(data))
        except ValueError:
            raise KubeConfigError(f"{key}-data in {source} is not base64") from None
    path = entry.get(key)
    return str(_relative(source, path)) if path else ""


def _relative(source: Path, path: str) -> Path:
    return Path(os.path.normpath(source.parent.absolute() / os.path.expanduser(path)))


_private_dir: Path | None = None
_private_lock = threading.Lock()


def _private_file(content: bytes) -> str:
    """A file (mode 0600, removed at exit) holding `content`: ssl loads certificates and keys from files."""
    global _private_dir
    with _private_lock:
        if _private_dir is None:
            _private_dir = Path(tempfile.mkdtemp(prefix="kubemcp-kubeconfig-"))
            atexit.register(shutil.rmtree, _private_dir, True)
        path = _private_dir / hashlib.sha256(content).hexdigest()
        if not path.exists():
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
        return str(path)


def _problem(setting: str, detail: str) -> str:
    return f"no usable kubeconfig at {setting or '~/.kube/config'}: {detail}"


# --- credentials -----------------------------------------------------------------------------------


def _authorization(endpoint: Endpoint) -> Callable[[], str]:
    if endpoint.token:
        header = f"Bearer {endpoint.token}"
        return lambda: header
    if not endpoint.token_file:
        return lambda: ""
    cached: list[Any] = [0.0, ""]
    lock = threading.Lock()

    def from_file() -> str:
        with lock:
            if time.monotonic() - cached[0] > TOKEN_FILE_SECONDS:
                try:
                    cached[1] = "Bearer " + Path(endpoint.token_file).read_text().strip()
                except OSError as error:
                    raise KubeConfigError(f"cannot read the token file {endpoint.token_file}: {error}") from None
                cached[0] = time.monotonic()
            return str(cached[1])

    return from_file


def _environment_proxy(host: str) -> str:
    scheme, _, rest = host.partition("://")
    if urllib.request.proxy_bypass(rest.split("/", 1)[0]):
        return ""
    return urllib.request.getproxies().get(scheme, "")


# --- the `kubernetes` package, where it is needed ------------------------------------------------------


def _connect_with_loader(kubeconfig: str, context: str, *, pool_size: int) -> Connection:
    from kubernetes import client as k8s_client
    from kubernetes import config as k8s_config
    from kubernetes.config.config_exception import ConfigException

    configuration = k8s_client.Configuration()
    try:
        k8s_config.load_kube_config(
            config_file=kubeconfig or None, context=context, client_configuration=configuration, persist_config=False
        )
    except (ConfigException, OSError) as error:
        raise KubeConfigError(_problem(kubeconfig, str(error))) from None
    configuration.connection_pool_maxsize = pool_size
    configuration.retries = URLLIB3_RETRIES
    api_client = k8s_client.ApiClient(configuration)
    endpoint = Endpoint(
        host=configuration.host,
        ca_file=configuration.ssl_ca_cert or "",
        verify=configuration.verify_ssl,
        tls_server_name=configuration.tls_server_name or "",
    )

    def authorization() -> str:
        try:
            return configuration.get_api_key_with_prefix("BearerToken", alias="authorization") or ""
        except (ConfigException, OSError) as error:  # an exec plugin or token refresh that fails
            raise KubeConfigError(f"cannot get credentials for context '{context}': {error}") from None

    return Connection(endpoint, api_client.rest_client.pool_manager, authorization, api_client)


def _api_client_for(connection: Connection) -> Any:
    from kubernetes import client as k8s_client

    endpoint = connection.endpoint
    configuration = k8s_client.Configuration()
    configuration.host = endpoint.host
    configuration.ssl_ca_cert = endpoint.ca_file or None
    configuration.cert_file = endpoint.cert_file or None
    configuration.key_file = endpoint.key_file or None
    configuration.verify_ssl = endpoint.verify
    configuration.tls_server_name = endpoint.tls_server_name or None
    if endpoint.proxy:
        configuration.proxy = endpoint.proxy

    def refresh(settings: Any) -> None:
        header = connection.authorization()
        settings.api_key = {"authorization": header} if header else {}

    refresh(configuration)
    configuration.refresh_api_key_hook = refresh
    configuration.retries = URLLIB3_RETRIES
    return k8s_client.ApiClient(configuration)

"""The cast of the OAuth integration tests: a real OIDC provider, kubemcp with OAuth on, a browser.

`OAuthLiveTestCase` starts, per class, the fake cluster, an oidc-provider process (the upstream
login) and a kubemcp server whose port is chosen first, since its issuer URL and the provider's
redirect URI must name it. `Browser` follows redirects and fills in the provider's login and
consent pages and kubemcp's consent page, as a person would. `oauth_client()` is the MCP SDK's
own OAuth client (`OAuthClientProvider`) with in-memory token storage, driven by that browser.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import secrets
import tempfile
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import anyio.to_thread
import httpx2
import requests
from django.test import TransactionTestCase
from mcp import Client
from mcp.client.auth import AuthorizationCodeResult, OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from fakekube import FakeCluster
from tests.live import LiveServer, listening_socket, server_environment
from tests.oauth.provider import OIDCProvider

CLIENT_REDIRECT_URI = "http://127.0.0.1:53682/callback"
UPSTREAM_CLIENT_ID = "kubemcp"


def new_encryption_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


class _Form(HTMLParser):
    """The first form of a page: its action and its named inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.done = False
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and not self.done and self.action is None:
            self.action, self.inside = values.get("action", ""), True
        elif tag == "input" and self.inside and values.get("name") and values.get("type") in ("hidden", None, ""):
            self.fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside, self.done = False, True


class Browser:
    """A person with a browser: follows redirects, logs in upstream, consents, lands on the client."""

    def __init__(self, *, login: str = "alice", approve: bool = True, consent: dict[str, str] | None = None) -> None:
        self.session = requests.Session()
        self.login = login
        self.approve = approve
        # Values put into kubemcp's consent form before it is sent, as a hostile user (or page) could.
        self.consent = consent or {}
        self.pages: list[str] = []
        self.last_response: requests.Response | None = None

    def authorize(self, url: str, *, redirect_uri: str = CLIENT_REDIRECT_URI) -> str:
        """Walk from the authorization URL to the client's redirect URI; returns that final URL."""
        method, data = "GET", None
        for _ in range(30):
            response = self.session.request(method, url, data=data, allow_redirects=False, timeout=30)
            self.last_response = response
            self.pages.append(f"{method} {url} -> {response.status_code}")
            if response.is_redirect:
                url, method, data = urljoin(url, response.headers["Location"]), "GET", None
                if url.startswith(redirect_uri):
                    return url
                continue
            if response.status_code != 200 or "<form" not in response.text:
                raise AssertionError(f"HTTP {response.status_code} at {url}: {response.text[:800]}")
            form = _Form()
            form.feed(response.text)
            data = dict(form.fields)
            if 'name="login"' in response.text:
                data.update(login=self.login, password="any password")
            elif 'id="authorizationForm"' in response.text:
                data.update(self.consent)
                if self.approve:
                    data["allow"] = "Authorize"
            url, method = urljoin(url, form.action or url), "POST"
        raise AssertionError("too many steps: " + " | ".join(self.pages))


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def register_client(
    base_url: str, registration_token: str | None, redirect_uris: list[str] | None = None, **metadata: Any
) -> requests.Response:
    """POST /o/register/, with `registration_token` as the bearer unless it is None."""
    headers = {"Authorization": f"Bearer {registration_token}"} if registration_token is not None else {}
    body = {
        "redirect_uris": redirect_uris or [CLIENT_REDIRECT_URI],
        "client_name": "test",
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "client_secret_post",
        **metadata,
    }
    return requests.post(f"{base_url}/o/register/", json=body, headers=headers, timeout=30)


def authorization_url(base_url: str, client_id: str, challenge: str, **overrides: str | None) -> str:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": CLIENT_REDIRECT_URI,
        "scope": "mcp",
        "state": secrets.token_urlsafe(32),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "resource": f"{base_url}/mcp",
    }
    params.update(overrides)
    return f"{base_url}/o/authorize/?{urlencode({k: v for k, v in params.items() if v is not None})}"


def request_token(base_url: str, client: dict[str, Any], **data: str) -> requests.Response:
    """POST /o/token/ as `client` (client_secret_post)."""
    body = {"client_id": client["client_id"], "client_secret": client.get("client_secret", ""), **data}
    return requests.post(f"{base_url}/o/token/", data=body, timeout=30)


def log_in(
    base_url: str, registration_token: str, *, login: str = "alice", client: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Register (unless given a client), authorize through the upstream login, exchange the code: the token
    response, with the client under "client"."""
    if client is None:
        registered = register_client(base_url, registration_token)
        assert registered.status_code == 201, registered.text
        client = registered.json()
    verifier, challenge = pkce_pair()
    landed = Browser(login=login).authorize(authorization_url(base_url, client["client_id"], challenge))
    code = query_of(landed)["code"]
    response = request_token(
        base_url,
        client,
        grant_type="authorization_code",
        code=code,
        redirect_uri=CLIENT_REDIRECT_URI,
        code_verifier=verifier,
        resource=f"{base_url}/mcp",
    )
    assert response.status_code == 200, response.text
    return {**response.json(), "client": client}


async def call_with_bearer(url: str, token: str, tool: str, arguments: dict[str, Any]) -> tuple[bool, str]:
    """One tools/call at `url` in a client session of its own, with `token` as the bearer: (is it an error, its
    text). A session of its own is a connection of its own: behind the round-robin proxy, the next worker."""
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    async with http, Client(streamable_http_client(url, http_client=http), mode="legacy") as client:
        result = await client.call_tool(tool, arguments)
    return bool(result.is_error), "".join(getattr(block, "text", "") for block in result.content)


def mcp_post(url: str, token: str | None, body: dict[str, Any] | None = None, **headers: str) -> requests.Response:
    """One raw JSON-RPC POST (a ping unless `body` is given) to `url`, with `token` as the bearer if given."""
    request_headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-11-25",
        **headers,
    }
    if token is not None:
        request_headers["Authorization"] = f"Bearer {token}"
    payload = body or {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    return requests.post(url, json=payload, headers=request_headers, timeout=30)


class MemoryStorage:
    """The SDK client's token storage, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


def oauth_provider(server_url: str, browser: Browser, storage: MemoryStorage) -> OAuthClientProvider:
    landed: dict[str, str] = {}

    async def redirect_handler(authorization_url: str) -> None:
        landed["url"] = await anyio.to_thread.run_sync(browser.authorize, authorization_url)

    async def callback_handler() -> AuthorizationCodeResult:
        params = query_of(landed.pop("url"))
        if "code" not in params:
            raise AssertionError(f"the authorization failed: {params}")
        return AuthorizationCodeResult(code=params["code"], state=params.get("state"), iss=params.get("iss"))

    metadata = OAuthClientMetadata(
        redirect_uris=[CLIENT_REDIRECT_URI],
        client_name="kubemcp test client",
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method="client_secret_post",
    )
    return OAuthClientProvider(
        server_url=server_url,
        client_metadata=metadata,
        storage=storage,
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
    )


@contextlib.asynccontextmanager
async def oauth_client(server_url: str, browser: Browser, storage: MemoryStorage) -> AsyncIterator[Client]:
    """An MCP client session that authorizes itself through the SDK's OAuth client."""
    http = httpx2.AsyncClient(auth=oauth_provider(server_url, browser, storage), timeout=30)
    async with http, Client(streamable_http_client(server_url, http_client=http), mode="legacy") as client:
        yield client


class OAuthLiveTestCase(TransactionTestCase):
    """A fake cluster, a real OIDC provider and kubemcp with OAuth on, for the whole class."""

    seed: ClassVar[dict[str, int]] = {"pods": 3, "namespaces": 1}
    oauth_env: ClassVar[dict[str, str]] = {}
    # The bearer token of the server's own kubeconfig user (None: no credentials, as a laptop's fake cluster).
    kube_token: ClassVar[str | None] = None
    id_token_ttl: ClassVar[int] = 3600
    # The upstream provider: the certified one, or tests.oauth.crafted_provider for hostile ID tokens.
    provider_class: ClassVar[Any] = OIDCProvider

    fake: ClassVar[FakeCluster]
    server: ClassVar[LiveServer]
    provider: ClassVar[Any]
    kubeconfig: ClassVar[str]
    encryption_key: ClassVar[str]
    upstream_secret: ClassVar[str]
    registration_token: ClassVar[str]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls._stack = contextlib.ExitStack()
        try:
            cls._start()
        except BaseException:
            cls._stack.close()
            raise

    @classmethod
    def _start(cls) -> None:
        cls.fake = FakeCluster()
        cls.fake.seed(**cls.seed)
        running = cls._stack.enter_context(cls.fake.serve())
        tmp = cls._stack.enter_context(tempfile.TemporaryDirectory(prefix="kubemcp-oauth-test-"))
        kubeconfig = cls.kubeconfig = str(Path(tmp) / "kubeconfig")
        running.write_kubeconfig(kubeconfig, token=cls.kube_token)
        listener = listening_socket()
        base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        upstream_secret = cls.upstream_secret = secrets.token_urlsafe(24)
        cls.provider = cls.provider_class(
            client_id=UPSTREAM_CLIENT_ID,
            client_secret=upstream_secret,
            redirect_uri=f"{base_url}/oidc/callback/",
            id_token_ttl=cls.id_token_ttl,
        ).start()
        cls._stack.callback(cls.provider.stop)
        cls.encryption_key = new_encryption_key()
        cls.registration_token = secrets.token_urlsafe(32)
        settings = {
            "KUBECONFIG": kubeconfig,
            "DATA_DIR": tmp,
            "OAUTH_ENABLED": "true",
            "OAUTH_BASE_URL": base_url,
            "OAUTH_PROVIDER": "dex",
            "DEX_ISSUER_URL": cls.provider.issuer,
            "DEX_CLIENT_ID": UPSTREAM_CLIENT_ID,
            "DEX_CLIENT_SECRET": upstream_secret,
            "ALLOW_PRIVATE_OAUTH_URLS": "true",
            "OAUTH_ENCRYPTION_KEY": cls.encryption_key,
            "REGISTRATION_TOKEN": cls.registration_token,
            # Every test registers a client and logs in, quickly; the limits have their own tests.
            "MAX_REGISTRATIONS_PER_HOUR": "1000",
            "RATE_LIMIT_PER_IP": "200/2s",
        }
        env = server_environment(**{**settings, **cls.oauth_env})
        cls.server = LiveServer(env=env, listener=listener)
        cls.server.start()
        cls._stack.callback(cls.server.stop)

    @classmethod
    def tearDownClass(cls) -> None:
        cls._stack.close()
        super().tearDownClass()

    # --- helpers --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.server.url

    def register(
        self, redirect_uris: list[str] | None = None, *, token: str | None = "default", **metadata: Any
    ) -> requests.Response:
        """POST /o/register/ (with the registration token unless `token` is None or another value)."""
        bearer = self.registration_token if token == "default" else token
        return register_client(self.base_url, bearer, redirect_uris, **metadata)

    def authorization_url(self, client_id: str, challenge: str, **overrides: str | None) -> str:
        return authorization_url(self.base_url, client_id, challenge, **overrides)

    def token(self, client: dict[str, Any], **data: str) -> requests.Response:
        return request_token(self.base_url, client, **data)

    def login_and_get_tokens(self, *, login: str = "alice", client: dict[str, Any] | None = None) -> dict[str, Any]:
        """Register (unless given a client), authorize through the upstream login, exchange the code."""
        return log_in(self.base_url, self.registration_token, login=login, client=client)

    def call_as(self, token: str, tool: str, **arguments: Any) -> tuple[bool, str]:
        """One tools/call through the MCP SDK's client with `token` as the bearer: (is it an error, its text)."""
        return anyio.run(call_with_bearer, self.server.mcp_url, token, tool, arguments)

    def mcp_post(self, token: str | None, body: dict[str, Any] | None = None, **headers: str) -> requests.Response:
        """One raw JSON-RPC POST to /mcp."""
        return mcp_post(f"{self.base_url}/mcp", token, body, **headers)

"""Helm 3 releases: read from their release Secrets without a helm binary; change them with one.

Helm stores each revision of a release in a Secret `sh.helm.release.v1.<name>.v<N>` labelled
`owner=helm`; its `release` key is base64 of gzip of the release JSON (and the Secret's own data
encoding adds another base64). Values that look secret are masked, and so are Secrets in manifests.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import shutil
import subprocess
import tempfile
from typing import Annotated, Any, Literal

import yaml
from pydantic import Field

from k8stools.apirequest import SECRETS, resource_request
from k8stools.formatting.documents import load_documents
from k8stools.formatting.secrets import REDACTED, mask_secrets
from k8stools.formatting.tables import layout_table
from k8stools.guard import GuardedClient
from k8stools.names import check_namespace, check_object_name
from k8stools.namespace_filters import withheld_note
from k8stools.policy import Policy, PolicyDenied
from k8stools.tools.call import ToolCall, ToolOutput
from k8stools.tools.errors import ToolInputError
from k8stools.tools.registry import kube_tool

SECRET_LOOKING = re.compile(r"(?i)(password|passwd|secret|token|api[-_]?key|credential|private[-_]?key|cert|auth)")
HELM_TIMEOUT_SECONDS = 300
# A YAML document starts at a line that is `---` alone or followed by a space (a comment, a tag).
_DOCUMENT_SEPARATOR = re.compile(r"(?m)^---(?:[ \t].*)?$")
_UNREADABLE = object()
UNREADABLE_DOCUMENT = f"# {REDACTED}: this document is not a YAML mapping, so any Secret data in it cannot be masked"
NO_HELM = (
    "the helm binary is not on this server's PATH, so releases cannot be installed, upgraded, rolled back or "
    "uninstalled here; install helm 3 (https://helm.sh/docs/intro/install/) where the server runs. "
    "Reading releases (helm_list, helm_history, helm_get) works without it."
)
ReleaseArg = Annotated[str, Field(min_length=1, max_length=53, description="Release name")]
NamespaceArg = Annotated[str | None, Field(description="The release's namespace; default from the server config")]


def decode_release(secret: dict[str, Any]) -> dict[str, Any]:
    """The release JSON inside a Helm release Secret (as the API returns it: data base64-encoded)."""
    payload = (secret.get("data") or {}).get("release")
    if not payload:
        raise ToolInputError(f"secret {secret['metadata']['name']} holds no Helm release")
    try:
        raw = base64.b64decode(base64.b64decode(payload))
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        release = json.loads(raw)
    except (ValueError, OSError, EOFError) as error:  # binascii.Error and JSONDecodeError are ValueErrors
        raise ToolInputError(f"secret {secret['metadata']['name']} is not a readable Helm release ({error})") from None
    if not isinstance(release, dict):
        raise ToolInputError(f"secret {secret['metadata']['name']} is not a readable Helm release")
    return release


def release_in_restricted(release: dict[str, Any], policy: Policy) -> bool:
    """True when a release says it deploys into a restricted namespace (wherever its Secret is kept)."""
    namespace = release.get("namespace")
    return isinstance(namespace, str) and policy.is_restricted(namespace)


def checked_release(secret: dict[str, Any], policy: Policy) -> dict[str, Any]:
    """The decoded release of `secret`, refused when it deploys into a restricted namespace."""
    release = decode_release(secret)
    if release_in_restricted(release, policy):
        raise PolicyDenied(f'access to namespace "{release["namespace"]}" is restricted by the server policy')
    return release


def mask_values(value: Any) -> Any:
    """Values with everything under a secret-looking key replaced, at any depth (maps and lists followed).

    A secret-looking key hides its whole subtree: `passwords: [a, b]` shows as two redactions and
    `credentials: {user: u, key: k}` keeps its keys but not their values. Booleans and nulls stay,
    since they say whether something is set, not what it is.
    """
    if isinstance(value, dict):
        return {
            key: _redacted_leaves(item) if SECRET_LOOKING.search(str(key)) else mask_values(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask_values(item) for item in value]
    return value


def _redacted_leaves(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _redacted_leaves(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted_leaves(item) for item in value]
    if value is None or isinstance(value, bool):
        return value
    return REDACTED


def merged_values(defaults: Any, overrides: Any) -> Any:
    """Helm's coalescing: user values over the chart's defaults, maps merged key by key."""
    if isinstance(defaults, dict) and isinstance(overrides, dict):
        merged = dict(defaults)
        for key, value in overrides.items():
            merged[key] = merged_values(defaults.get(key), value) if value is not None else None
        return {key: value for key, value in merged.items() if value is not None}
    return overrides if overrides is not None else defaults


# Shorter secret values are not searched for in rendered text: they would match ordinary words and numbers.
MIN_SEARCHED_SECRET = 4


def secret_values(*values: Any) -> set[str]:
    """The text of every leaf under a secret-looking key of these values (and its base64), to find in rendered
    text: a chart's NOTES or manifest can print a value that `mask_values` hides in the values themselves."""
    found: set[str] = set()

    def leaves(value: Any) -> None:
        if isinstance(value, dict):
            for item in value.values():
                leaves(item)
        elif isinstance(value, list):
            for item in value:
                leaves(item)
        elif value is not None and not isinstance(value, bool):
            found.add(str(value))

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                (leaves if SECRET_LOOKING.search(str(key)) else walk)(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for value in values:
        walk(value)
    searched = {text for text in found if len(text) >= MIN_SEARCHED_SECRET}
    return searched | {base64.b64encode(text.encode()).decode() for text in searched}


def without_secret_values(text: str, secrets: set[str]) -> str:
    """`text` with each of `secrets` replaced by the redaction mark, longest first (one may contain another)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def masked_manifest(manifest: str) -> str:
    """The rendered manifest with Secret data masked, document by document.

    A document that is not valid YAML, or not a mapping, cannot be told apart from a Secret, so it
    is replaced whole by a note rather than shown; a document holding Secrets (also inside a
    `List`) is shown masked; every other document is shown as rendered.
    """
    documents = []
    for document in _DOCUMENT_SEPARATOR.split(manifest):
        # Only Helm's own source line is kept over a rewritten document: other comments are its text.
        source = next((line for line in document.splitlines() if line.startswith("# Source: ")), "")
        try:
            loaded = load_documents(document)
        except yaml.YAMLError:
            loaded = [_UNREADABLE]
        obj = loaded[0] if len(loaded) == 1 else None if not loaded else _UNREADABLE
        if obj is _UNREADABLE or (obj is not None and not isinstance(obj, dict)):
            document = (source + "\n" if source else "") + UNREADABLE_DOCUMENT
        elif isinstance(obj, dict):
            masked = mask_secrets(obj)
            if masked != obj:
                document = (source + "\n" if source else "") + yaml.safe_dump(masked, sort_keys=False)
        if document.strip():
            documents.append(document.strip())
    return "\n---\n".join(documents)


def _release_secrets(client: GuardedClient, namespace: str | None, name: str | None) -> list[dict[str, Any]]:
    # The release name goes into a label selector: a valid name cannot add terms to it.
    selector = "owner=helm" + (f",name={check_object_name(name)}" if name else "")
    request = resource_request(SECRETS, namespace=namespace, query={"labelSelector": selector})
    items: list[dict[str, Any]] = client.request(request).get("items") or []
    return [item for item in items if str(item.get("type", "")).startswith("helm.sh/release")]


def _revision(secret: dict[str, Any]) -> int:
    try:
        return int((secret["metadata"].get("labels") or {}).get("version", "0"))
    except ValueError:
        return 0


def _revisions(call: ToolCall, release: str, namespace: str | None) -> tuple[str, list[dict[str, Any]]]:
    ns = namespace or call.config.default_namespace
    call.policy.check_namespace(ns)
    call.aim(namespace=ns, kind="helm-release", name=release)
    secrets = sorted(_release_secrets(call.client(), ns, release), key=_revision)
    if not secrets:
        raise ToolInputError(f"no Helm release '{release}' in namespace {ns}; helm_list shows the releases there")
    return ns, secrets


def _chart(release: dict[str, Any]) -> str:
    metadata = (release.get("chart") or {}).get("metadata") or {}
    return f"{metadata.get('name', '?')}-{metadata.get('version', '?')}"


@kube_tool("helm_list", operation="list", title="List Helm releases", read_only=True, idempotent=True)
def helm_list(
    call: ToolCall,
    namespace: NamespaceArg = None,
    allNamespaces: Annotated[bool, Field(description="Releases of every namespace")] = False,
) -> str:
    """List Helm 3 releases (latest revision of each), like helm list, read from the release Secrets:
    name, namespace, revision, status, chart and app version. Needs no helm binary."""
    if namespace and allNamespaces:
        raise ToolInputError("give namespace or allNamespaces, not both")
    ns = None if allNamespaces else namespace or call.config.default_namespace
    call.aim(namespace=ns or "", kind="helm-release")
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for secret in _release_secrets(call.client(), ns, None):
        labels = secret["metadata"].get("labels") or {}
        key = (secret["metadata"]["namespace"], labels.get("name", ""))
        if key not in latest or _revision(secret) > _revision(latest[key]):
            latest[key] = secret
    if not latest:
        return f"No Helm releases in {'any namespace' if ns is None else f'namespace {ns}'}."
    rows = []
    withheld = 0
    for (release_ns, name), secret in sorted(latest.items()):
        release = decode_release(secret)
        if release_in_restricted(release, call.policy):
            withheld += 1
            continue
        info = release.get("info") or {}
        app_version = ((release.get("chart") or {}).get("metadata") or {}).get("appVersion", "")
        rows.append(
            (
                name,
                release_ns,
                str(_revision(secret)),
                info.get("last_deployed", ""),
                info.get("status", ""),
                _chart(release),
                app_version,
            )
        )
    table = layout_table(["NAME", "NAMESPACE", "REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"], rows)
    notes = [withheld_note(withheld, "releases deployed into restricted namespaces were")]
    if ns is None and call.policy.restricted_namespaces:
        notes.append("releases of restricted namespaces are excluded by the server policy")
    shown_notes = [note for note in notes if note]
    return table + ("\n\n" + "\n".join(shown_notes) if shown_notes else "")


@kube_tool("helm_history", operation="get", title="Helm release history", read_only=True, idempotent=True)
def helm_history(call: ToolCall, release: ReleaseArg, namespace: NamespaceArg = None) -> str:
    """Every stored revision of a Helm release, like helm history: revision, updated, status, chart,
    app version and description."""
    _, secrets = _revisions(call, release, namespace)
    rows = []
    for secret in secrets:
        decoded = checked_release(secret, call.policy)
        info = decoded.get("info") or {}
        app_version = ((decoded.get("chart") or {}).get("metadata") or {}).get("appVersion", "")
        rows.append(
            (
                str(_revision(secret)),
                info.get("last_deployed", ""),
                info.get("status", ""),
                _chart(decoded),
                app_version,
                info.get("description", ""),
            )
        )
    return layout_table(["REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION", "DESCRIPTION"], rows)


@kube_tool(
    "helm_get", operation="get", title="Helm release status, values or manifest", read_only=True, idempotent=True
)
def helm_get(
    call: ToolCall,
    release: ReleaseArg,
    what: Annotated[
        Literal["status", "values", "manifest"],
        Field(description="status (with notes), values (user-supplied; allValues for the computed ones) or manifest"),
    ] = "status",
    namespace: NamespaceArg = None,
    revision: Annotated[int | None, Field(ge=1, description="A past revision; default the latest")] = None,
    allValues: Annotated[bool, Field(description="values: the chart's defaults merged with the user's")] = False,
) -> str:
    """One Helm release revision, like helm status / helm get values / helm get manifest, from its
    release Secret. Secret-looking values and Secrets in the manifest are masked."""
    ns, secrets = _revisions(call, release, namespace)
    if revision is None:
        secret = secrets[-1]
    else:
        secret = next((s for s in secrets if _revision(s) == revision), {})
        if not secret:
            known = ", ".join(str(_revision(s)) for s in secrets)
            raise ToolInputError(f"release {release} has no revision {revision}; it has {known}")
    decoded = checked_release(secret, call.policy)
    hidden = secret_values((decoded.get("chart") or {}).get("values") or {}, decoded.get("config") or {})
    if what == "values":
        user = decoded.get("config") or {}
        values = merged_values((decoded.get("chart") or {}).get("values") or {}, user) if allValues else user
        return yaml.safe_dump(mask_values(values), sort_keys=False) if values else "{} (no user-supplied values)"
    if what == "manifest":
        return without_secret_values(masked_manifest(decoded.get("manifest") or ""), hidden) or "(empty manifest)"
    info = decoded.get("info") or {}
    lines = [
        f"NAME: {release}",
        f"LAST DEPLOYED: {info.get('last_deployed', '')}",
        f"NAMESPACE: {ns}",
        f"STATUS: {info.get('status', '')}",
        f"REVISION: {_revision(secret)}",
        f"CHART: {_chart(decoded)}",
    ]
    if info.get("description"):
        lines.append(f"DESCRIPTION: {info['description']}")
    if info.get("notes"):
        lines += ["NOTES:", without_secret_values(str(info["notes"]).rstrip(), hidden)]
    return "\n".join(lines)


@kube_tool(
    "helm_change",
    operation="helm",
    title="Install, upgrade, roll back or uninstall a Helm release",
    read_only=False,
    destructive=True,
)
def helm_change(
    call: ToolCall,
    action: Annotated[Literal["install", "upgrade", "rollback", "uninstall"], Field(description="What to do")],
    release: ReleaseArg,
    chart: Annotated[
        str | None, Field(description="install/upgrade: chart reference (repo/name, oci://..., or a URL)")
    ] = None,
    version: Annotated[str | None, Field(description="install/upgrade: chart version")] = None,
    values: Annotated[dict[str, Any] | None, Field(description="install/upgrade: values to set")] = None,
    revision: Annotated[int | None, Field(ge=1, description="rollback: revision to return to")] = None,
    namespace: NamespaceArg = None,
) -> str | ToolOutput:
    """Change a Helm release with the helm binary (needed on the server's PATH): install, upgrade (with
    --install), rollback to a revision, or uninstall. Not available in dry-run mode: helm changes for real."""
    if call.policy.dry_run:
        return ToolOutput(
            "dry-run mode is on and helm cannot simulate a change against the API server; nothing was run",
            is_error=True,
        )
    # Every value becomes an argument of the helm binary: a name or namespace must be one, and nothing may be a flag.
    ns = check_namespace(namespace or call.config.default_namespace)
    check_object_name(release)
    for argument, value in (("chart", chart), ("version", version)):
        if value is not None and (value.startswith("-") or any(ord(character) < 33 for character in value)):
            raise ToolInputError(
                f"{argument} '{value}' is not a chart {argument}: it must not start with '-' or hold spaces"
            )
    helm = shutil.which("helm")
    if helm is None:
        return ToolOutput(NO_HELM, is_error=True)
    if call.caller.requires_own_credentials:
        raise ToolInputError("helm runs with the server's own credentials, so it is not offered to OAuth users")
    call.policy.check_namespace(ns)
    call.aim(namespace=ns, kind="helm-release", name=release)
    if action in ("install", "upgrade") and not chart:
        raise ToolInputError(f"{action} needs chart (e.g. bitnami/nginx or oci://registry/chart)")
    if action not in ("install", "upgrade") and (chart or version or values):
        raise ToolInputError("chart, version and values apply to install and upgrade")
    if action != "rollback" and revision is not None:
        raise ToolInputError("revision applies to rollback")
    return run_helm_command(call, helm, action, release, ns, chart, version, values, revision)


def run_helm_command(
    call: ToolCall,
    helm: str,
    action: str,
    release: str,
    namespace: str,
    chart: str | None,
    version: str | None,
    values: dict[str, Any] | None,
    revision: int | None,
) -> str | ToolOutput:
    command = [helm, "upgrade", "--install"] if action == "upgrade" else [helm, action]
    command.append(release)
    if chart:
        command.append(chart)
    if revision is not None:
        command.append(str(revision))
    if version:
        command += ["--version", version]
    command += ["--namespace", namespace]
    if action == "install":
        command.append("--create-namespace")
    factory = call.server.client_factory
    env = dict(os.environ)
    if factory.kubeconfig:
        env["KUBECONFIG"] = factory.kubeconfig
    if not call.config.in_cluster:
        command += ["--kube-context", call.context_name or factory.default_context_name()]
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as values_file:
        if values:
            yaml.safe_dump(values, values_file)
            values_file.flush()
            command += ["--values", values_file.name]
        try:
            done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=HELM_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            return ToolOutput(f"helm {action} did not finish within {HELM_TIMEOUT_SECONDS}s", is_error=True)
    output = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        return ToolOutput(f"helm {action} failed: {output}", is_error=True)
    return output or f"helm {action} {release} done"

"""Manifests as a model sends them, turned into the list of objects to create or apply.

A manifest is YAML or JSON text (one or several documents separated by `---`), one object, or a
list of objects; a `kind: List` (or any `<Kind>List` with items) is expanded into its items. Every
problem is a `ToolInputError` that names the document and says what to send instead.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from k8stools.kube import ResourceType
from k8stools.resources import Discovers, resolve
from k8stools.tools.errors import ToolInputError

_QUOTED_KEY = re.compile(r'"[^"\n]+"\s*:')


@dataclass(frozen=True)
class ManifestDocument:
    """One object of a manifest, numbered from 1 in the order it was given."""

    number: int
    body: dict[str, Any]

    @property
    def api_version(self) -> str:
        return str(self.body["apiVersion"])

    @property
    def kind(self) -> str:
        return str(self.body["kind"])

    @property
    def metadata(self) -> dict[str, Any]:
        metadata: dict[str, Any] = self.body["metadata"]
        return metadata

    @property
    def name(self) -> str:
        return str(self.metadata.get("name") or "")

    @property
    def namespace(self) -> str:
        return str(self.metadata.get("namespace") or "")

    @property
    def label(self) -> str:
        """`document 2 (Deployment web)`: how answers and errors name this document."""
        name = self.name or f"{self.metadata.get('generateName', '')}*"
        return f"document {self.number} ({self.kind} {name})"


def parse_manifest(manifest: str | dict[str, Any] | list[Any], *, allow_generate_name: bool) -> list[ManifestDocument]:
    """The objects of `manifest`, validated; `allow_generate_name` for create (apply needs names)."""
    raw = _documents(manifest)
    objects: list[dict[str, Any]] = []
    for position, document in enumerate(raw, start=1):
        objects.extend(_expand(document, f"document {position}"))
    if not objects:
        raise ToolInputError("the manifest is empty; send at least one object with apiVersion, kind and metadata.name")
    documents = [ManifestDocument(number, body) for number, body in enumerate(objects, start=1)]
    for document in documents:
        _validate(document, allow_generate_name=allow_generate_name)
    return documents


def _documents(manifest: str | dict[str, Any] | list[Any]) -> list[Any]:
    if isinstance(manifest, dict):
        return [manifest]
    if isinstance(manifest, list):
        return list(manifest)
    text = manifest.strip()
    if not text:
        return []
    if text[0] in "[{":
        try:
            parsed = json.loads(text)
        except ValueError as error:
            # YAML flow style (`{kind: ConfigMap}`) or JSON documents separated by `---` are YAML;
            # text with quoted keys was meant as JSON, and its JSON error is the useful one.
            if not _QUOTED_KEY.search(text) or "\n---" in text:
                return _yaml_documents(text)
            line = getattr(error, "lineno", None)
            where = f" at line {line}" if line else ""
            raise ToolInputError(
                f"the manifest is not valid JSON{where}: {getattr(error, 'msg', error)}; send valid JSON or YAML"
            ) from None
        return parsed if isinstance(parsed, list) else [parsed]
    return _yaml_documents(text)


def _yaml_documents(text: str) -> list[Any]:
    try:
        return [document for document in yaml.safe_load_all(text) if document is not None]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = error.problem or error.context or "cannot be parsed"
        raise ToolInputError(
            f"the manifest is not valid YAML{where}: {problem}; fix the YAML (indent with spaces, "
            "separate documents with ---) or send JSON"
        ) from None
    except yaml.YAMLError as error:
        raise ToolInputError(f"the manifest is not valid YAML: {error}") from None


def _expand(document: Any, where: str) -> list[dict[str, Any]]:
    """A `List` becomes its items (recursively); anything but an object is refused."""
    if not isinstance(document, dict):
        shown = "a list" if isinstance(document, list) else f"the plain value {str(document)[:40]!r}"
        raise ToolInputError(
            f"{where} is {shown}, not an object; each document must be a Kubernetes object "
            "with apiVersion, kind and metadata"
        )
    kind = document.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(document.get("items"), list):
        expanded: list[dict[str, Any]] = []
        for position, item in enumerate(document["items"], start=1):
            expanded.extend(_expand(item, f"item {position} of {where} ({kind})"))
        return expanded
    return [document]


def _validate(document: ManifestDocument, *, allow_generate_name: bool) -> None:
    body = document.body
    where = f"document {document.number}"
    for field in ("apiVersion", "kind"):
        if not isinstance(body.get(field), str) or not body[field].strip():
            raise ToolInputError(
                f"{where} has no {field}; every object needs apiVersion and kind "
                "(for example apiVersion: apps/v1, kind: Deployment)"
            )
    metadata = body.get("metadata")
    if not isinstance(metadata, dict):
        raise ToolInputError(f"{where} ({body['kind']}) has no metadata object; add metadata.name")
    name = metadata.get("name")
    if name is not None and (not isinstance(name, str) or not name):
        raise ToolInputError(f"{where} ({body['kind']}): metadata.name must be a non-empty string")
    if not name:
        if allow_generate_name and isinstance(metadata.get("generateName"), str) and metadata["generateName"]:
            return
        hint = "metadata.name or metadata.generateName" if allow_generate_name else "metadata.name (apply needs a name)"
        raise ToolInputError(f"{where} ({body['kind']}) has no name; add {hint}")
    namespace = metadata.get("namespace")
    if namespace is not None and not isinstance(namespace, str):
        raise ToolInputError(f"{where} ({body['kind']} {name}): metadata.namespace must be a string")


def resolve_document(client: Discovers, document: ManifestDocument) -> ResourceType:
    """The served kind of `document` (CRDs included), or an error that names the document."""
    try:
        return resolve(client, document.kind, document.api_version)
    except ToolInputError as error:
        raise ToolInputError(f"{document.label}: {error}") from None


def target_namespace(document: ManifestDocument, kind: ResourceType, default: str) -> str | None:
    """Where the object lives: its own namespace, else `default`; None for cluster-scoped kinds."""
    if not kind.namespaced:
        return None
    return document.namespace or default


def namespaces_touched(document: ManifestDocument, kind: ResourceType, namespace: str | None) -> list[str]:
    """The namespaces a write of `document` touches, for the policy: its own, and a Namespace's name."""
    touched = [namespace] if namespace else []
    if kind.group == "" and kind.name == "namespaces" and document.name:
        touched.append(document.name)
    return touched


def is_definition(kind: ResourceType) -> bool:
    """Does `kind` define new kinds (a CustomResourceDefinition)?"""
    return kind.group == "apiextensions.k8s.io" and kind.name == "customresourcedefinitions"


def kind_defined_by(document: ManifestDocument, definitions: list[ManifestDocument]) -> ResourceType | None:
    """The kind of `document` as one of `definitions` (CRDs earlier in the same manifest) will serve it.

    A manifest often carries a CRD and objects of its kind; discovery cannot know the kind before
    the CRD is created, but the CRD itself says its URL, scope and served versions.
    """
    group, _, version = document.api_version.rpartition("/")
    for definition in definitions:
        spec = definition.body.get("spec") or {}
        names = spec.get("names") or {}
        served = [entry.get("name") for entry in spec.get("versions") or [] if entry.get("served", True)]
        if spec.get("group") == group and group and names.get("kind") == document.kind and version in served:
            return ResourceType(
                group=group,
                version=version,
                name=str(names.get("plural") or document.kind.lower() + "s"),
                kind=document.kind,
                namespaced=spec.get("scope", "Namespaced") != "Cluster",
                verbs=frozenset({"create", "get", "list", "patch", "update", "delete"}),
                singular=str(names.get("singular") or document.kind.lower()),
            )
    return None

"""The tools' argument schemas, generated once and kept in `schemas.json` beside this module.

Generating a schema builds a pydantic model from the tool function's signature: ~0.1 s of CPU for every tool at
every start of a worker, for a result that only changes with the code. `schemas.json` holds the strict schemas
(k8stools.tools.registry.strict_schema) with a fingerprint of the signatures they come from; a start reads it
when the fingerprint matches and generates in memory otherwise (a tool's arguments changed, a missing file), so
a stale file costs time, not a wrong schema. A test holds the file equal to what generation gives; after changing a
tool's arguments, regenerate it:

    python -m k8stools.tools.schemas
"""

from __future__ import annotations

import hashlib
import inspect
import json
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pydantic

from k8stools.tools.registry import ToolSpec, strict_schema

SCHEMA_FILE = Path(__file__).with_name("schemas.json")


def generate(spec: ToolSpec) -> dict[str, Any]:
    """The strict schema of `spec`'s arguments (without the per-call `context`), from its signature."""
    from mcp.server.mcpserver.utilities.func_metadata import func_metadata

    # The first parameter (`call`, the ToolCall) is the server's, not the client's.
    metadata = func_metadata(spec.fn, skip_names=["call"], structured_output=False)
    return strict_schema(metadata.arg_model.model_json_schema(by_alias=True))


def fingerprint(specs: Iterable[ToolSpec]) -> str:
    """A digest of everything the schemas of `specs` are generated from: each tool's name and parameters (resolved
    types, `Field` descriptions and constraints, defaults) and the pydantic version.

    ~10 ms for every tool, against ~100 ms to generate the schemas; edits that leave the arguments alone keep it."""
    digest = hashlib.sha256(pydantic.VERSION.encode())
    for spec in sorted(specs, key=lambda spec: spec.name):
        hints = typing.get_type_hints(spec.fn, include_extras=True)
        parameters = inspect.signature(spec.fn).parameters.values()
        described = [(p.name, p.kind.name, repr(p.default), repr(hints.get(p.name))) for p in parameters]
        digest.update(repr((spec.name, described)).encode())
    return digest.hexdigest()


def input_schemas(specs: dict[str, ToolSpec], *, path: Path = SCHEMA_FILE) -> dict[str, dict[str, Any]]:
    """The strict schema of every tool in `specs`: from `path` when it is current, else generated."""
    stored: dict[str, Any] = {}
    try:
        saved = json.loads(path.read_text())
        if saved.get("fingerprint") == fingerprint(specs.values()):
            stored = saved.get("tools") if isinstance(saved.get("tools"), dict) else {}
    except (OSError, ValueError, AttributeError):
        pass
    return {name: stored[name] if name in stored else generate(spec) for name, spec in specs.items()}


def write(specs: dict[str, ToolSpec], path: Path = SCHEMA_FILE) -> None:
    """Regenerate `path` for `specs`."""
    document = {
        "fingerprint": fingerprint(specs.values()),
        "tools": {name: generate(spec) for name, spec in sorted(specs.items())},
    }
    path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mcpsite.settings")
    django.setup()
    from k8stools.tools import catalog  # noqa: F401 - registers the tools
    from k8stools.tools.registry import TOOLS

    write(TOOLS)
    print(f"wrote {len(TOOLS)} tool schemas to {SCHEMA_FILE}")

"""Quick creation, like `kubectl run` and `kubectl create <kind>`: objects built from a few arguments.

The builders are plain functions; the tools send what they build through the same path as `create`
(policy checked first, dry-run honoured, Secret values masked in any output).
"""

from __future__ import annotations

import base64
import re
from typing import Annotated, Any, Literal

from pydantic import Field

from k8stools.applying import create_documents, plan_documents, with_objects
from k8stools.manifests import parse_manifest
from k8stools.tools.call import ToolCall, ToolOutput
from k8stools.tools.errors import ToolInputError
from k8stools.tools.registry import kube_tool

GeneratedKind = Literal["configmap", "secret", "service", "deployment", "job", "cronjob"]
ServiceType = Literal["ClusterIP", "NodePort", "LoadBalancer"]
_DATA_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
_CONTAINER_NAME = re.compile(r"[^a-z0-9-]+")


def container_name(image: str) -> str:
    """kubectl's container name for an image: its last path part without tag or digest."""
    base = image.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    return _CONTAINER_NAME.sub("-", base.lower()).strip("-")[:63] or "main"


def _container(name: str, image: str, port: int | None, command: list[str] | None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": name, "image": image}
    if command:
        container["command"] = list(command)
    if port is not None:
        container["ports"] = [{"containerPort": port}]
    return container


def build_pod(name: str, image: str, *, port: int | None, command: list[str] | None) -> dict[str, Any]:
    """kubectl run NAME --image=IMAGE [--port=PORT] [--command -- ...]."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"run": name}},
        "spec": {"containers": [_container(name, image, port, command)], "restartPolicy": "Always"},
    }


def _checked_data(data: dict[str, str]) -> dict[str, str]:
    bad = [key for key in data if not _DATA_KEY.match(key)]
    if bad:
        raise ToolInputError(f"data key '{bad[0]}' is not valid; keys use letters, digits, '-', '_' and '.'")
    return dict(data)


def build_object(
    kind: str,
    name: str,
    *,
    image: str | None = None,
    replicas: int | None = None,
    port: int | None = None,
    target_port: int | None = None,
    service_type: str = "ClusterIP",
    data: dict[str, str] | None = None,
    schedule: str | None = None,
    command: list[str] | None = None,
) -> dict[str, Any]:
    """The object `kubectl create <kind> NAME ...` sends; ToolInputError names a missing or stray argument."""
    given = {
        "image": image,
        "replicas": replicas,
        "port": port,
        "targetPort": target_port,
        "data": data,
        "schedule": schedule,
        "command": command,
    }
    accepted = {
        "configmap": {"data"},
        "secret": {"data"},
        "service": {"port", "targetPort"},
        "deployment": {"image", "replicas", "port", "command"},
        "job": {"image", "command"},
        "cronjob": {"image", "command", "schedule"},
    }[kind]
    required = {"service": {"port"}, "deployment": {"image"}, "job": {"image"}, "cronjob": {"image", "schedule"}}
    stray = sorted(key for key, value in given.items() if value is not None and key not in accepted)
    if stray:
        raise ToolInputError(f"{', '.join(stray)} do(es) not apply to a {kind}; it takes {', '.join(sorted(accepted))}")
    missing = sorted(key for key in required.get(kind, set()) if given[key] is None)
    if missing:
        raise ToolInputError(f"a {kind} needs {', '.join(missing)}")
    metadata: dict[str, Any] = {"name": name}
    if kind == "configmap":
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": _checked_data(data or {})}
    if kind == "secret":
        encoded = {key: base64.b64encode(value.encode()).decode() for key, value in _checked_data(data or {}).items()}
        return {"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "type": "Opaque", "data": encoded}
    labels = {"app": name}
    if kind == "service":
        assert port is not None
        target = target_port or port
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {**metadata, "labels": labels},
            "spec": {
                "type": service_type,
                "selector": labels,
                "ports": [{"name": f"{port}-{target}", "port": port, "protocol": "TCP", "targetPort": target}],
            },
        }
    assert image is not None
    container = _container(container_name(image), image, port, command)
    if kind == "deployment":
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {**metadata, "labels": labels},
            "spec": {
                "replicas": 1 if replicas is None else replicas,
                "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
            },
        }
    container["name"] = name
    pod_spec = {"containers": [container], "restartPolicy": "Never" if kind == "job" else "OnFailure"}
    if kind == "job":
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": {"template": {"spec": pod_spec}}}
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata,
        "spec": {
            "schedule": schedule,
            "jobTemplate": {"metadata": {"name": name}, "spec": {"template": {"spec": pod_spec}}},
        },
    }


def _create(call: ToolCall, obj: dict[str, Any], namespace: str | None, output: str) -> str | ToolOutput:
    plans = plan_documents(call, parse_manifest(obj, allow_generate_name=False), namespace, verb="create")
    return with_objects(create_documents(call, plans), "yaml" if output == "yaml" else "summary")


NameArg = Annotated[str, Field(min_length=1, max_length=253, description="Name of the new object")]
NamespaceArg = Annotated[str | None, Field(description="Namespace; default from the server config")]
OutputArg = Annotated[
    Literal["summary", "yaml"], Field(description="summary: one line; yaml: also the created object (secrets masked)")
]
CommandArg = Annotated[list[str] | None, Field(description="Command and arguments, instead of the image's entrypoint")]


@kube_tool("run", operation="create", title="Run a pod from an image", read_only=False)
def run(
    call: ToolCall,
    name: NameArg,
    image: Annotated[str, Field(min_length=1, description="Container image, e.g. nginx:1.27")],
    port: Annotated[int | None, Field(ge=1, le=65535, description="Port the container exposes")] = None,
    command: CommandArg = None,
    namespace: NamespaceArg = None,
    output: OutputArg = "summary",
) -> str | ToolOutput:
    """Start one pod from an image, like kubectl run (label run=<name>). For something that should stay
    up or scale, use create_resource kind=deployment instead."""
    call.aim(namespace=namespace or call.config.default_namespace, kind="pods", name=name)
    return _create(call, build_pod(name, image, port=port, command=command), namespace, output)


@kube_tool("create_resource", operation="create", title="Create a common object from arguments", read_only=False)
def create_resource(
    call: ToolCall,
    kind: Annotated[GeneratedKind, Field(description="configmap, secret, service, deployment, job or cronjob")],
    name: NameArg,
    image: Annotated[str | None, Field(description="deployment, job, cronjob: container image")] = None,
    replicas: Annotated[int | None, Field(ge=0, le=1000, description="deployment: replicas (default 1)")] = None,
    port: Annotated[
        int | None, Field(ge=1, le=65535, description="service: its port (required); deployment: container port")
    ] = None,
    targetPort: Annotated[
        int | None, Field(ge=1, le=65535, description="service: the pods' port (default the same as port)")
    ] = None,
    serviceType: Annotated[
        ServiceType, Field(description="service: ClusterIP, NodePort or LoadBalancer")
    ] = "ClusterIP",
    data: Annotated[
        dict[str, str] | None,
        Field(description="configmap, secret: key → value literals, like --from-literal (secret values never shown)"),
    ] = None,
    schedule: Annotated[str | None, Field(description="cronjob: cron schedule, e.g. '*/5 * * * *'")] = None,
    command: CommandArg = None,
    namespace: NamespaceArg = None,
    output: OutputArg = "summary",
) -> str | ToolOutput:
    """Create a ConfigMap or Secret from literals, a Service (selecting app=<name>), a Deployment, a Job
    or a CronJob from a few arguments, like kubectl create <kind>. For anything else, use create."""
    if serviceType != "ClusterIP" and kind != "service":
        raise ToolInputError(f"serviceType applies to a service, not a {kind}")
    obj = build_object(
        kind,
        name,
        image=image,
        replicas=replicas,
        port=port,
        target_port=targetPort,
        service_type=serviceType,
        data=data,
        schedule=schedule,
        command=command,
    )
    call.aim(namespace=namespace or call.config.default_namespace, kind=obj["kind"], name=name)
    return _create(call, obj, namespace, output)

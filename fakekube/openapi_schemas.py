"""Field schemas for Deployment and Pod, shaped like the real OpenAPI v3 documents (a subset of fields).

Real documents reference nested types with `allOf: [{$ref}]` beside a description, carry referenced types
of other groups in the same document (apps/v1 holds `io.k8s.api.core.v1.PodSpec`), and mark required fields.
"""

from __future__ import annotations

from typing import Any

CORE = "io.k8s.api.core.v1"
APPS = "io.k8s.api.apps.v1"
META = "io.k8s.apimachinery.pkg.apis.meta.v1"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"


def _ref(name: str, description: str) -> dict[str, Any]:
    return {"allOf": [{"$ref": f"#/components/schemas/{name}"}], "default": {}, "description": description}


def _list_of(name: str, description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"allOf": [{"$ref": f"#/components/schemas/{name}"}], "default": {}},
        "description": description,
    }


def _string(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _integer(description: str) -> dict[str, Any]:
    return {"type": "integer", "format": "int32", "description": description}


def _object(description: str, properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "description": description, "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _top(description: str, spec: str, status: str) -> dict[str, Any]:
    return _object(
        description,
        {
            "apiVersion": _string("APIVersion defines the versioned schema of this representation of an object."),
            "kind": _string("Kind is a string value representing the REST resource this object represents."),
            "metadata": _ref(f"{META}.ObjectMeta", "Standard object's metadata."),
            "spec": _ref(spec, "Specification of the desired behavior."),
            "status": _ref(status, "Most recently observed status. Read-only."),
        },
    )


SHARED: dict[str, dict[str, Any]] = {
    f"{META}.ObjectMeta": _object(
        "ObjectMeta is metadata that all persisted resources must have.",
        {
            "name": _string("Name must be unique within a namespace."),
            "namespace": _string("Namespace defines the space within which each name must be unique."),
            "labels": {
                "type": "object",
                "additionalProperties": {"type": "string", "default": ""},
                "description": "Map of string keys and values that can be used to organize and categorize objects.",
            },
            "annotations": {
                "type": "object",
                "additionalProperties": {"type": "string", "default": ""},
                "description": "Annotations is an unstructured key value map stored with a resource.",
            },
        },
    ),
    f"{META}.LabelSelector": _object(
        "A label selector is a label query over a set of resources.",
        {
            "matchLabels": {
                "type": "object",
                "additionalProperties": {"type": "string", "default": ""},
                "description": "matchLabels is a map of {key,value} pairs.",
            },
        },
    ),
    INT_OR_STRING: {
        "type": "string",
        "format": "int-or-string",
        "description": "IntOrString is a type that can hold an int32 or a string.",
    },
    f"{CORE}.PodTemplateSpec": _object(
        "PodTemplateSpec describes the data a pod should have when created from a template",
        {
            "metadata": _ref(f"{META}.ObjectMeta", "Standard object's metadata."),
            "spec": _ref(f"{CORE}.PodSpec", "Specification of the desired behavior of the pod."),
        },
    ),
    f"{CORE}.PodSpec": _object(
        "PodSpec is a description of a pod.",
        {
            "containers": _list_of(f"{CORE}.Container", "List of containers belonging to the pod."),
            "nodeName": _string("NodeName indicates in which node this pod is scheduled."),
            "restartPolicy": {
                **_string("Restart policy for all containers within the pod."),
                "enum": ["Always", "Never", "OnFailure"],
            },
            "serviceAccountName": _string(
                "ServiceAccountName is the name of the ServiceAccount to use to run this pod."
            ),
            "terminationGracePeriodSeconds": {
                "type": "integer",
                "format": "int64",
                "description": "Optional duration in seconds the pod needs to terminate gracefully.",
            },
        },
        ["containers"],
    ),
    f"{CORE}.Container": _object(
        "A single application container that you want to run within a pod.",
        {
            "name": _string("Name of the container specified as a DNS_LABEL."),
            "image": _string("Container image name."),
            "command": {
                "type": "array",
                "items": {"type": "string", "default": ""},
                "description": "Entrypoint array. Not executed within a shell.",
            },
            "ports": _list_of(f"{CORE}.ContainerPort", "List of ports to expose from the container."),
        },
        ["name"],
    ),
    f"{CORE}.ContainerPort": _object(
        "ContainerPort represents a network port in a single container.",
        {
            "containerPort": _integer("Number of port to expose on the pod's IP address."),
            "protocol": {**_string('Protocol for port. Defaults to "TCP".'), "enum": ["SCTP", "TCP", "UDP"]},
        },
        ["containerPort"],
    ),
}

CORE_V1: dict[str, dict[str, Any]] = {
    f"{CORE}.Pod": _top(
        "Pod is a collection of containers that can run on a host.", f"{CORE}.PodSpec", f"{CORE}.PodStatus"
    ),
    f"{CORE}.PodStatus": _object(
        "PodStatus represents information about the status of a pod.",
        {
            "phase": {
                **_string("The phase of a Pod is a simple, high-level summary of where the Pod is in its lifecycle."),
                "enum": ["Failed", "Pending", "Running", "Succeeded", "Unknown"],
            },
            "podIP": _string("podIP address allocated to the pod."),
        },
    ),
}

APPS_V1: dict[str, dict[str, Any]] = {
    f"{APPS}.Deployment": _top(
        "Deployment enables declarative updates for Pods and ReplicaSets.",
        f"{APPS}.DeploymentSpec",
        f"{APPS}.DeploymentStatus",
    ),
    f"{APPS}.DeploymentSpec": _object(
        "DeploymentSpec is the specification of the desired behavior of the Deployment.",
        {
            "replicas": _integer("Number of desired pods. Defaults to 1."),
            "selector": _ref(f"{META}.LabelSelector", "Label selector for pods."),
            "template": _ref(f"{CORE}.PodTemplateSpec", "Template describes the pods that will be created."),
            "strategy": _ref(
                f"{APPS}.DeploymentStrategy", "The deployment strategy to use to replace existing pods with new ones."
            ),
            "minReadySeconds": _integer("Minimum number of seconds for which a newly created pod should be ready."),
            "progressDeadlineSeconds": _integer("The maximum time in seconds for a deployment to make progress."),
        },
        ["selector", "template"],
    ),
    f"{APPS}.DeploymentStrategy": _object(
        "DeploymentStrategy describes how to replace existing pods with new ones.",
        {
            "type": {
                **_string('Type of deployment. Can be "Recreate" or "RollingUpdate". Default is RollingUpdate.'),
                "enum": ["Recreate", "RollingUpdate"],
            },
            "rollingUpdate": _ref(
                f"{APPS}.RollingUpdateDeployment",
                "Rolling update config params. Present only if DeploymentStrategyType = RollingUpdate.",
            ),
        },
    ),
    f"{APPS}.RollingUpdateDeployment": _object(
        "Spec to control the desired behavior of rolling update.",
        {
            "maxSurge": _ref(
                INT_OR_STRING, "The maximum number of pods that can be scheduled above the desired number of pods."
            ),
            "maxUnavailable": _ref(
                INT_OR_STRING, "The maximum number of pods that can be unavailable during the update."
            ),
        },
    ),
    f"{APPS}.DeploymentStatus": _object(
        "DeploymentStatus is the most recently observed status of the Deployment.",
        {
            "replicas": _integer("Total number of non-terminated pods targeted by this deployment."),
            "readyReplicas": _integer("Total number of ready pods targeted by this Deployment."),
        },
    ),
}


def field_schemas(group: str, version: str) -> dict[str, dict[str, Any]]:
    """The detailed schemas a group-version's document carries, referenced types included."""
    if (group, version) == ("", "v1"):
        return {**SHARED, **CORE_V1}
    if (group, version) == ("apps", "v1"):
        return {**SHARED, **APPS_V1}
    return {}

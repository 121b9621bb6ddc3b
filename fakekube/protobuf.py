"""Decoding `application/vnd.kubernetes.protobuf` request bodies for the kinds kubectl's typed clients send
(`kubectl create <kind>`, `kubectl run`, `kubectl auth can-i`), into the JSON shape the rest of the fake uses.

A body is the `k8s\\x00` magic and a `runtime.Unknown` envelope holding the object's own message. The schemas
below list, per message, the generated.proto field numbers of the fields those commands set. A field missing
from a schema is refused with 415 rather than dropped, so a gap shows up as an error, never as a wrong object.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from .status import ApiError

MAGIC = b"k8s\x00"

# message -> field number -> (json name, type, flags). Types: "string", "int", "bool", "bytes", "quantity",
# "time", "intorstring", "map:<value type>", or a message name. Flags: "repeated", "pointer" (zero values are
# kept, as for Go pointer fields), "inline" (an embedded struct whose fields sit in the parent's JSON).
Schema = dict[int, tuple[str, str, str]]
SCHEMAS: dict[str, Schema] = {
    "Unknown": {
        1: ("typeMeta", "TypeMeta", ""),
        2: ("raw", "bytes", ""),
        3: ("contentEncoding", "string", ""),
        4: ("contentType", "string", ""),
    },
    "TypeMeta": {1: ("apiVersion", "string", ""), 2: ("kind", "string", "")},
    "ObjectMeta": {
        1: ("name", "string", ""),
        2: ("generateName", "string", ""),
        3: ("namespace", "string", ""),
        4: ("selfLink", "string", ""),
        5: ("uid", "string", ""),
        6: ("resourceVersion", "string", ""),
        7: ("generation", "int", ""),
        8: ("creationTimestamp", "time", ""),
        9: ("deletionTimestamp", "time", ""),
        10: ("deletionGracePeriodSeconds", "int", "pointer"),
        11: ("labels", "map:string", ""),
        12: ("annotations", "map:string", ""),
        13: ("ownerReferences", "OwnerReference", "repeated"),
        14: ("finalizers", "string", "repeated"),
    },
    "OwnerReference": {
        1: ("kind", "string", ""),
        3: ("name", "string", ""),
        4: ("uid", "string", ""),
        5: ("apiVersion", "string", ""),
        6: ("controller", "bool", "pointer"),
        7: ("blockOwnerDeletion", "bool", "pointer"),
    },
    "LabelSelector": {
        1: ("matchLabels", "map:string", ""),
        2: ("matchExpressions", "LabelSelectorRequirement", "repeated"),
    },
    "LabelSelectorRequirement": {
        1: ("key", "string", ""),
        2: ("operator", "string", ""),
        3: ("values", "string", "repeated"),
    },
    "Empty": {},
    # A create ignores the status a client sends; its contents are skipped unread.
    "Status": {},
    # core/v1
    "Pod": {1: ("metadata", "ObjectMeta", ""), 2: ("spec", "PodSpec", ""), 3: ("status", "Status", "")},
    "PodTemplateSpec": {1: ("metadata", "ObjectMeta", ""), 2: ("spec", "PodSpec", "")},
    "PodSpec": {
        2: ("containers", "Container", "repeated"),
        3: ("restartPolicy", "string", ""),
        4: ("terminationGracePeriodSeconds", "int", "pointer"),
        5: ("activeDeadlineSeconds", "int", "pointer"),
        6: ("dnsPolicy", "string", ""),
        7: ("nodeSelector", "map:string", ""),
        8: ("serviceAccountName", "string", ""),
        9: ("serviceAccount", "string", ""),
        10: ("nodeName", "string", ""),
        11: ("hostNetwork", "bool", ""),
        12: ("hostPID", "bool", ""),
        13: ("hostIPC", "bool", ""),
        14: ("securityContext", "Empty", ""),
        15: ("imagePullSecrets", "LocalObjectReference", "repeated"),
        16: ("hostname", "string", ""),
        17: ("subdomain", "string", ""),
        19: ("schedulerName", "string", ""),
        20: ("initContainers", "Container", "repeated"),
        21: ("automountServiceAccountToken", "bool", "pointer"),
        24: ("priorityClassName", "string", ""),
        25: ("priority", "int", "pointer"),
        30: ("enableServiceLinks", "bool", "pointer"),
    },
    "Container": {
        1: ("name", "string", ""),
        2: ("image", "string", ""),
        3: ("command", "string", "repeated"),
        4: ("args", "string", "repeated"),
        5: ("workingDir", "string", ""),
        6: ("ports", "ContainerPort", "repeated"),
        7: ("env", "EnvVar", "repeated"),
        8: ("resources", "ResourceRequirements", ""),
        9: ("volumeMounts", "VolumeMount", "repeated"),
        13: ("terminationMessagePath", "string", ""),
        14: ("imagePullPolicy", "string", ""),
        16: ("stdin", "bool", ""),
        17: ("stdinOnce", "bool", ""),
        18: ("tty", "bool", ""),
        20: ("terminationMessagePolicy", "string", ""),
    },
    "ContainerPort": {
        1: ("name", "string", ""),
        2: ("hostPort", "int", ""),
        3: ("containerPort", "int", ""),
        4: ("protocol", "string", ""),
        5: ("hostIP", "string", ""),
    },
    "EnvVar": {1: ("name", "string", ""), 2: ("value", "string", ""), 3: ("valueFrom", "EnvVarSource", "")},
    "EnvVarSource": {
        1: ("fieldRef", "ObjectFieldSelector", ""),
        3: ("configMapKeyRef", "KeySelector", ""),
        4: ("secretKeyRef", "KeySelector", ""),
    },
    "ObjectFieldSelector": {1: ("apiVersion", "string", ""), 2: ("fieldPath", "string", "")},
    "KeySelector": {
        1: ("localObjectReference", "LocalObjectReference", "inline"),
        2: ("key", "string", ""),
        3: ("optional", "bool", "pointer"),
    },
    "LocalObjectReference": {1: ("name", "string", "")},
    "ResourceRequirements": {1: ("limits", "map:quantity", ""), 2: ("requests", "map:quantity", "")},
    "VolumeMount": {
        1: ("name", "string", ""),
        2: ("readOnly", "bool", ""),
        3: ("mountPath", "string", ""),
        4: ("subPath", "string", ""),
    },
    "ConfigMap": {
        1: ("metadata", "ObjectMeta", ""),
        2: ("data", "map:string", ""),
        3: ("binaryData", "map:bytes", ""),
        4: ("immutable", "bool", "pointer"),
    },
    "Secret": {
        1: ("metadata", "ObjectMeta", ""),
        2: ("data", "map:bytes", ""),
        3: ("type", "string", ""),
        4: ("stringData", "map:string", ""),
        5: ("immutable", "bool", "pointer"),
    },
    "Namespace": {1: ("metadata", "ObjectMeta", ""), 2: ("spec", "NamespaceSpec", ""), 3: ("status", "Status", "")},
    "NamespaceSpec": {1: ("finalizers", "string", "repeated")},
    "ServiceAccount": {
        1: ("metadata", "ObjectMeta", ""),
        2: ("secrets", "Empty", "repeated"),
        3: ("imagePullSecrets", "LocalObjectReference", "repeated"),
        4: ("automountServiceAccountToken", "bool", "pointer"),
    },
    "Service": {1: ("metadata", "ObjectMeta", ""), 2: ("spec", "ServiceSpec", ""), 3: ("status", "Status", "")},
    "ServiceSpec": {
        1: ("ports", "ServicePort", "repeated"),
        2: ("selector", "map:string", ""),
        3: ("clusterIP", "string", ""),
        4: ("type", "string", ""),
        5: ("externalIPs", "string", "repeated"),
        7: ("sessionAffinity", "string", ""),
        8: ("loadBalancerIP", "string", ""),
        9: ("loadBalancerSourceRanges", "string", "repeated"),
        10: ("externalName", "string", ""),
        11: ("externalTrafficPolicy", "string", ""),
        12: ("healthCheckNodePort", "int", ""),
        13: ("publishNotReadyAddresses", "bool", ""),
    },
    "ServicePort": {
        1: ("name", "string", ""),
        2: ("protocol", "string", ""),
        3: ("port", "int", ""),
        4: ("targetPort", "intorstring", ""),
        5: ("nodePort", "int", ""),
        6: ("appProtocol", "string", ""),
    },
    "ResourceQuota": {
        1: ("metadata", "ObjectMeta", ""),
        2: ("spec", "ResourceQuotaSpec", ""),
        3: ("status", "Status", ""),
    },
    "ResourceQuotaSpec": {1: ("hard", "map:quantity", ""), 2: ("scopes", "string", "repeated")},
    # apps/v1
    "Deployment": {1: ("metadata", "ObjectMeta", ""), 2: ("spec", "DeploymentSpec", ""), 3: ("status", "Status", "")},
    "DeploymentSpec": {
        1: ("replicas", "int", "pointer"),
        2: ("selector", "LabelSelector", ""),
        3: ("template", "PodTemplateSpec", ""),
        4: ("strategy", "DeploymentStrategy", ""),
        5: ("minReadySeconds", "int", ""),
        6: ("revisionHistoryLimit", "int", "pointer"),
        7: ("paused", "bool", ""),
        9: ("progressDeadlineSeconds", "int", "pointer"),
    },
    "DeploymentStrategy": {1: ("type", "string", ""), 2: ("rollingUpdate", "RollingUpdateDeployment", "")},
    "RollingUpdateDeployment": {1: ("maxUnavailable", "intorstring", ""), 2: ("maxSurge", "intorstring", "")},
    # batch/v1
    "Job": {1: ("metadata", "ObjectMeta", ""), 2: ("spec", "JobSpec", ""), 3: ("status", "Status", "")},
    "JobSpec": {
        1: ("parallelism", "int", "pointer"),
        2: ("completions", "int", "pointer"),
        3: ("activeDeadlineSeconds", "int", "pointer"),
        4: ("selector", "LabelSelector", ""),
        5: ("manualSelector", "bool", "pointer"),
        6: ("template", "PodTemplateSpec", ""),
        7: ("backoffLimit", "int", "pointer"),
        8: ("ttlSecondsAfterFinished", "int", "pointer"),
        9: ("completionMode", "string", "pointer"),
        10: ("suspend", "bool", "pointer"),
    },
    "CronJob": {1: ("metadata", "ObjectMeta", ""), 2: ("spec", "CronJobSpec", ""), 3: ("status", "Status", "")},
    "CronJobSpec": {
        1: ("schedule", "string", ""),
        2: ("startingDeadlineSeconds", "int", "pointer"),
        3: ("concurrencyPolicy", "string", ""),
        4: ("suspend", "bool", "pointer"),
        5: ("jobTemplate", "JobTemplateSpec", ""),
        6: ("successfulJobsHistoryLimit", "int", "pointer"),
        7: ("failedJobsHistoryLimit", "int", "pointer"),
        8: ("timeZone", "string", "pointer"),
    },
    "JobTemplateSpec": {1: ("metadata", "ObjectMeta", ""), 2: ("spec", "JobSpec", "")},
    # authorization/v1
    "SelfSubjectAccessReview": {
        1: ("metadata", "ObjectMeta", ""),
        2: ("spec", "SelfSubjectAccessReviewSpec", ""),
        3: ("status", "Status", ""),
    },
    "SelfSubjectRulesReview": {
        1: ("metadata", "ObjectMeta", ""),
        2: ("spec", "SelfSubjectRulesReviewSpec", ""),
        3: ("status", "Status", ""),
    },
    "SelfSubjectRulesReviewSpec": {1: ("namespace", "string", "")},
    "SelfSubjectAccessReviewSpec": {
        1: ("resourceAttributes", "ResourceAttributes", ""),
        2: ("nonResourceAttributes", "NonResourceAttributes", ""),
    },
    "ResourceAttributes": {
        1: ("namespace", "string", ""),
        2: ("verb", "string", ""),
        3: ("group", "string", ""),
        4: ("version", "string", ""),
        5: ("resource", "string", ""),
        6: ("subresource", "string", ""),
        7: ("name", "string", ""),
    },
    "NonResourceAttributes": {1: ("path", "string", ""), 2: ("verb", "string", "")},
    # autoscaling/v1
    "HorizontalPodAutoscaler": {
        1: ("metadata", "ObjectMeta", ""),
        2: ("spec", "HorizontalPodAutoscalerSpec", ""),
        3: ("status", "Status", ""),
    },
    "HorizontalPodAutoscalerSpec": {
        1: ("scaleTargetRef", "CrossVersionObjectReference", ""),
        2: ("minReplicas", "int", "pointer"),
        3: ("maxReplicas", "int", ""),
        4: ("targetCPUUtilizationPercentage", "int", "pointer"),
    },
    "CrossVersionObjectReference": {
        1: ("kind", "string", ""),
        2: ("name", "string", ""),
        3: ("apiVersion", "string", ""),
    },
    # authentication/v1
    "SelfSubjectReview": {1: ("metadata", "ObjectMeta", ""), 2: ("status", "Status", "")},
    "TokenRequest": {
        1: ("metadata", "ObjectMeta", ""),
        2: ("spec", "TokenRequestSpec", ""),
        3: ("status", "Status", ""),
    },
    "TokenRequestSpec": {
        1: ("audiences", "string", "repeated"),
        3: ("boundObjectRef", "BoundObjectReference", ""),
        4: ("expirationSeconds", "int", "pointer"),
    },
    "BoundObjectReference": {
        1: ("kind", "string", ""),
        2: ("apiVersion", "string", ""),
        3: ("name", "string", ""),
        4: ("uid", "string", ""),
    },
    # rbac/v1
    "Role": {1: ("metadata", "ObjectMeta", ""), 2: ("rules", "PolicyRule", "repeated")},
    "ClusterRole": {1: ("metadata", "ObjectMeta", ""), 2: ("rules", "PolicyRule", "repeated")},
    "PolicyRule": {
        1: ("verbs", "string", "repeated"),
        2: ("apiGroups", "string", "repeated"),
        3: ("resources", "string", "repeated"),
        4: ("resourceNames", "string", "repeated"),
        5: ("nonResourceURLs", "string", "repeated"),
    },
    "RoleBinding": {
        1: ("metadata", "ObjectMeta", ""),
        2: ("subjects", "Subject", "repeated"),
        3: ("roleRef", "RoleRef", ""),
    },
    "ClusterRoleBinding": {
        1: ("metadata", "ObjectMeta", ""),
        2: ("subjects", "Subject", "repeated"),
        3: ("roleRef", "RoleRef", ""),
    },
    "Subject": {
        1: ("kind", "string", ""),
        2: ("apiGroup", "string", ""),
        3: ("name", "string", ""),
        4: ("namespace", "string", ""),
    },
    "RoleRef": {1: ("apiGroup", "string", ""), 2: ("kind", "string", ""), 3: ("name", "string", "")},
    # networking.k8s.io/v1
    "Ingress": {1: ("metadata", "ObjectMeta", ""), 2: ("spec", "IngressSpec", ""), 3: ("status", "Status", "")},
    "IngressSpec": {
        1: ("defaultBackend", "IngressBackend", ""),
        2: ("tls", "IngressTLS", "repeated"),
        3: ("rules", "IngressRule", "repeated"),
        4: ("ingressClassName", "string", "pointer"),
    },
    "IngressTLS": {1: ("hosts", "string", "repeated"), 2: ("secretName", "string", "")},
    "IngressRule": {1: ("host", "string", ""), 2: ("ingressRuleValue", "IngressRuleValue", "inline")},
    "IngressRuleValue": {1: ("http", "HTTPIngressRuleValue", "")},
    "HTTPIngressRuleValue": {1: ("paths", "HTTPIngressPath", "repeated")},
    "HTTPIngressPath": {
        1: ("path", "string", ""),
        2: ("backend", "IngressBackend", ""),
        3: ("pathType", "string", "pointer"),
    },
    "IngressBackend": {4: ("service", "IngressServiceBackend", "")},
    "IngressServiceBackend": {1: ("name", "string", ""), 2: ("port", "ServiceBackendPort", "")},
    "ServiceBackendPort": {1: ("name", "string", ""), 2: ("number", "int", "")},
    # policy/v1, scheduling/v1
    "PodDisruptionBudget": {
        1: ("metadata", "ObjectMeta", ""),
        2: ("spec", "PodDisruptionBudgetSpec", ""),
        3: ("status", "Status", ""),
    },
    "PodDisruptionBudgetSpec": {
        1: ("minAvailable", "intorstring", ""),
        2: ("selector", "LabelSelector", ""),
        3: ("maxUnavailable", "intorstring", ""),
    },
    "Eviction": {1: ("metadata", "ObjectMeta", ""), 2: ("deleteOptions", "DeleteOptions", "")},
    "DeleteOptions": {
        1: ("gracePeriodSeconds", "int", "pointer"),
        2: ("preconditions", "Preconditions", ""),
        3: ("orphanDependents", "bool", "pointer"),
        4: ("propagationPolicy", "string", "pointer"),
        5: ("dryRun", "string", "repeated"),
    },
    "Preconditions": {1: ("uid", "string", "pointer"), 2: ("resourceVersion", "string", "pointer")},
    "PriorityClass": {
        1: ("metadata", "ObjectMeta", ""),
        2: ("value", "int", ""),
        3: ("globalDefault", "bool", ""),
        4: ("description", "string", ""),
        5: ("preemptionPolicy", "string", "pointer"),
    },
}


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result, shift = 0, 0
    while True:
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7


def _fields(data: bytes) -> list[tuple[int, int, Any]]:
    """(field number, wire type, raw value) for each field of one message."""
    position, fields = 0, []
    while position < len(data):
        key, position = _varint(data, position)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, position = _varint(data, position)
        elif wire == 2:
            length, position = _varint(data, position)
            value, position = data[position : position + length], position + length
        elif wire == 1:
            value, position = int.from_bytes(data[position : position + 8], "little"), position + 8
        elif wire == 5:
            value, position = int.from_bytes(data[position : position + 4], "little"), position + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        fields.append((number, wire, value))
    return fields


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _scalar(kind: str, raw: Any) -> Any:
    if kind == "string":
        return raw.decode()
    if kind == "bytes":
        return base64.b64encode(raw).decode()
    if kind == "int":
        return _signed(raw)
    if kind == "bool":
        return bool(raw)
    if kind == "quantity":
        return next((value.decode() for number, _, value in _fields(raw) if number == 1), "")
    if kind == "time":
        seconds = next((_signed(value) for number, _, value in _fields(raw) if number == 1), 0)
        if seconds <= 0:
            return None
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if kind == "intorstring":
        parts = {number: value for number, _, value in _fields(raw)}
        return parts.get(3, b"").decode() if parts.get(1) == 1 else _signed(parts.get(2, 0))
    return decode_message(kind, raw)


def _is_zero(value: Any) -> bool:
    return value in ("", 0, False, None) and not isinstance(value, dict)


def decode_message(name: str, data: bytes) -> dict[str, Any]:
    if name == "Status":
        return {}
    schema = SCHEMAS[name]
    result: dict[str, Any] = {}
    for number, _, raw in _fields(data):
        if number not in schema:
            raise ApiError(
                415,
                f"the protobuf body sets field {number} of {name}, which this fake API server does "
                "not decode; send JSON instead",
                "UnsupportedMediaType",
            )
        json_name, kind, flags = schema[number]
        if kind.startswith("map:"):
            entry = {entry_number: value for entry_number, _, value in _fields(raw)}
            result.setdefault(json_name, {})[entry.get(1, b"").decode()] = _scalar(kind[4:], entry.get(2, b""))
            continue
        value = _scalar(kind, raw)
        if flags == "inline":
            result.update(value)
        elif flags == "repeated":
            result.setdefault(json_name, []).append(value)
        elif flags == "pointer" or not _is_zero(value):
            result[json_name] = value
    return result


def decode_body(data: bytes) -> dict[str, Any]:
    """A protobuf request body as the JSON object it stands for (apiVersion and kind included)."""
    if not data.startswith(MAGIC):
        raise ApiError(400, "the protobuf body does not start with the Kubernetes magic number", "BadRequest")
    try:
        envelope = decode_message("Unknown", data[len(MAGIC) :])
        type_meta = envelope.get("typeMeta") or {}
        kind = type_meta.get("kind", "")
        if kind not in SCHEMAS:
            raise ApiError(
                415,
                f"this fake API server does not decode protobuf {kind or 'objects'}; send JSON instead",
                "UnsupportedMediaType",
            )
        raw = base64.b64decode(envelope.get("raw", ""))
        obj = decode_message(kind, raw)
    except (IndexError, ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, f"the protobuf body could not be decoded: {error}", "BadRequest") from error
    return {"apiVersion": type_meta.get("apiVersion", ""), "kind": kind, **obj}

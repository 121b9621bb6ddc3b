"""Table columns for pods and the workloads that run them, as ``kubectl get`` prints them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .age import human_duration, humanize_age, parse_time
from .columns import NONE, KindColumns, age_of, containers_and_images, count, kind_columns, name_of, template_spec
from .labels import format_labels, format_selector
from .podstatus import container_problems, pod_state


def pod_row(pod: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME READY STATUS RESTARTS AGE NODE; wide: ... AGE IP NODE REASON.

    NODE is in the normal table too (kubectl keeps it for ``-o wide``): which node a pod runs on
    is the first thing asked about a failing pod.
    """
    state = pod_state(pod)
    node = (pod.get("spec") or {}).get("nodeName") or NONE
    cells = [name_of(pod), state.ready, state.status, state.restarts_text(now), age_of(pod, now)]
    if not wide:
        return [*cells, node]
    return [*cells, pod_ip(pod), node, ";".join(container_problems(pod)) or NONE]


def pod_ip(pod: dict[str, Any]) -> str:
    """The pod's first IP, or ``<none>``."""
    status = pod.get("status") or {}
    ips = status.get("podIPs") or []
    if ips and ips[0].get("ip"):
        return str(ips[0]["ip"])
    return str(status.get("podIP") or NONE)


def desired_replicas(obj: dict[str, Any]) -> int:
    """``spec.replicas``, which the API server defaults to 1."""
    replicas = (obj.get("spec") or {}).get("replicas")
    return 1 if replicas is None else int(replicas)


def deployment_row(deployment: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME READY UP-TO-DATE AVAILABLE AGE; wide adds CONTAINERS IMAGES SELECTOR."""
    status = deployment.get("status") or {}
    cells = [
        name_of(deployment),
        f"{count(status.get('readyReplicas'))}/{desired_replicas(deployment)}",
        count(status.get("updatedReplicas")),
        count(status.get("availableReplicas")),
        age_of(deployment, now),
    ]
    if wide:
        selector = format_selector((deployment.get("spec") or {}).get("selector"))
        cells += [*containers_and_images(template_spec(deployment)), selector]
    return cells


def replicaset_row(replicaset: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME DESIRED CURRENT READY AGE; wide adds CONTAINERS IMAGES SELECTOR."""
    status = replicaset.get("status") or {}
    cells = [
        name_of(replicaset),
        str(desired_replicas(replicaset)),
        count(status.get("replicas")),
        count(status.get("readyReplicas")),
        age_of(replicaset, now),
    ]
    if wide:
        selector = format_selector((replicaset.get("spec") or {}).get("selector"))
        cells += [*containers_and_images(template_spec(replicaset)), selector]
    return cells


def statefulset_row(statefulset: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME READY AGE; wide adds CONTAINERS IMAGES."""
    status = statefulset.get("status") or {}
    cells = [
        name_of(statefulset),
        f"{count(status.get('readyReplicas'))}/{desired_replicas(statefulset)}",
        age_of(statefulset, now),
    ]
    if wide:
        cells += containers_and_images(template_spec(statefulset))
    return cells


def daemonset_row(daemonset: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE; wide adds CONTAINERS IMAGES SELECTOR."""
    status = daemonset.get("status") or {}
    cells = [
        name_of(daemonset),
        count(status.get("desiredNumberScheduled")),
        count(status.get("currentNumberScheduled")),
        count(status.get("numberReady")),
        count(status.get("updatedNumberScheduled")),
        count(status.get("numberAvailable")),
        format_labels(template_spec(daemonset).get("nodeSelector")),
        age_of(daemonset, now),
    ]
    if wide:
        selector = format_selector((daemonset.get("spec") or {}).get("selector"))
        cells += [*containers_and_images(template_spec(daemonset)), selector]
    return cells


def job_status(job: dict[str, Any]) -> str:
    """The STATUS column of a Job: Complete, Failed, Terminating, Suspended, ... or Running."""
    true_conditions = {
        c.get("type") for c in (job.get("status") or {}).get("conditions") or [] if c.get("status") == "True"
    }
    if "Complete" in true_conditions:
        return "Complete"
    if "Failed" in true_conditions:
        return "Failed"
    if (job.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    for condition in ("Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if condition in true_conditions:
            return condition
    return "Running"


def job_row(job: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME STATUS COMPLETIONS DURATION AGE; wide adds CONTAINERS IMAGES SELECTOR."""
    spec = job.get("spec") or {}
    status = job.get("status") or {}
    succeeded = count(status.get("succeeded"))
    parallelism = spec.get("parallelism")
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    elif parallelism is not None and int(parallelism) > 1:
        completions = f"{succeeded}/1 of {parallelism}"
    else:
        completions = f"{succeeded}/1"
    started = parse_time(status.get("startTime"))
    finished = parse_time(status.get("completionTime"))
    duration = ""
    if started is not None:
        duration = human_duration((finished or now) - started)
    cells = [name_of(job), job_status(job), completions, duration, age_of(job, now)]
    if wide:
        cells += [*containers_and_images(template_spec(job)), format_selector(spec.get("selector"))]
    return cells


def cronjob_row(cronjob: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE; wide adds CONTAINERS IMAGES SELECTOR."""
    spec = cronjob.get("spec") or {}
    status = cronjob.get("status") or {}
    suspend = spec.get("suspend")
    last = status.get("lastScheduleTime")
    cells = [
        name_of(cronjob),
        str(spec.get("schedule") or ""),
        str(spec.get("timeZone") or NONE),
        "<unset>" if suspend is None else str(bool(suspend)),
        str(len(status.get("active") or [])),
        humanize_age(last, now) if last else NONE,
        age_of(cronjob, now),
    ]
    if wide:
        job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
        pod_spec = (job_spec.get("template") or {}).get("spec")
        cells += [*containers_and_images(pod_spec), format_selector(job_spec.get("selector"))]
    return cells


def hpa_row(hpa: dict[str, Any], now: datetime, wide: bool) -> list[str]:
    """NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE."""
    spec = hpa.get("spec") or {}
    status = hpa.get("status") or {}
    target = spec.get("scaleTargetRef") or {}
    min_replicas = spec.get("minReplicas")
    return [
        name_of(hpa),
        f"{target.get('kind', '')}/{target.get('name', '')}",
        hpa_targets(spec, status),
        "<unset>" if min_replicas is None else str(min_replicas),
        count(spec.get("maxReplicas")),
        count(status.get("currentReplicas")),
        age_of(hpa, now),
    ]


def hpa_targets(spec: dict[str, Any], status: dict[str, Any]) -> str:
    """The TARGETS column of an autoscaling/v2 HPA: ``cpu: 45%/80%``, at most three metrics shown."""
    metrics = spec.get("metrics") or []
    if not metrics:
        percent = spec.get("targetCPUUtilizationPercentage")
        if percent is None:
            return NONE
        current = status.get("currentCPUUtilizationPercentage")
        return f"cpu: {'<unknown>' if current is None else f'{current}%'}/{percent}%"
    currents = status.get("currentMetrics") or []
    shown = [_hpa_metric(metric, currents) for metric in metrics[:3]]
    text = ", ".join(shown)
    if len(metrics) > 3:
        text += f" + {len(metrics) - 3} more..."
    return text


def _hpa_metric(metric: dict[str, Any], currents: list[dict[str, Any]]) -> str:
    metric_type = str(metric.get("type") or "")
    # autoscaling/v2 keeps each metric under a key named after its type: Resource -> "resource".
    source_key = metric_type[:1].lower() + metric_type[1:]
    source = metric.get(source_key) or {}
    name = _metric_name(source) or metric_type
    target = source.get("target") or {}
    current: dict[str, Any] = {}
    for candidate in currents:
        candidate_source = candidate.get(source_key) or {}
        if candidate.get("type") == metric_type and _metric_name(candidate_source) == _metric_name(source):
            current = candidate_source.get("current") or {}
            break
    if target.get("averageUtilization") is not None:
        value = current.get("averageUtilization")
        shown = "<unknown>" if value is None else f"{value}%"
        return f"{name}: {shown}/{target['averageUtilization']}%"
    field = "averageValue" if target.get("averageValue") is not None else "value"
    value = current.get(field)
    return f"{name}: {'<unknown>' if value is None else value}/{target.get(field, '<unset>')}"


def _metric_name(source: dict[str, Any]) -> str:
    return str(source.get("name") or (source.get("metric") or {}).get("name") or "")


CONTAINER_COLUMNS = "CONTAINERS,IMAGES,SELECTOR"

WORKLOAD_COLUMNS: dict[str, KindColumns] = {
    "pod": kind_columns(
        "NAME,READY,STATUS,RESTARTS,AGE,NODE", pod_row, wide="NAME,READY,STATUS,RESTARTS,AGE,IP,NODE,REASON"
    ),
    "deployment": kind_columns("NAME,READY,UP-TO-DATE,AVAILABLE,AGE", deployment_row, wide_extra=CONTAINER_COLUMNS),
    "replicaset": kind_columns("NAME,DESIRED,CURRENT,READY,AGE", replicaset_row, wide_extra=CONTAINER_COLUMNS),
    "statefulset": kind_columns("NAME,READY,AGE", statefulset_row, wide_extra="CONTAINERS,IMAGES"),
    "daemonset": kind_columns(
        "NAME,DESIRED,CURRENT,READY,UP-TO-DATE,AVAILABLE,NODE SELECTOR,AGE",
        daemonset_row,
        wide_extra=CONTAINER_COLUMNS,
    ),
    "job": kind_columns("NAME,STATUS,COMPLETIONS,DURATION,AGE", job_row, wide_extra=CONTAINER_COLUMNS),
    "cronjob": kind_columns(
        "NAME,SCHEDULE,TIMEZONE,SUSPEND,ACTIVE,LAST SCHEDULE,AGE", cronjob_row, wide_extra=CONTAINER_COLUMNS
    ),
    "horizontalpodautoscaler": kind_columns("NAME,REFERENCE,TARGETS,MINPODS,MAXPODS,REPLICAS,AGE", hpa_row),
}

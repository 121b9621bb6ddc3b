"""MCP prompts: an expert's procedure for common investigations, naming the tools to call in order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from k8stools.names import NAMESPACE_PATTERN, OBJECT_NAME_PATTERN

if TYPE_CHECKING:
    from k8stools.server import KubeMCPServer

# The arguments are written into instructions a model follows: only valid Kubernetes names get in.
NamespaceArg = Annotated[
    str, Field(description="Namespace of the object", max_length=63, pattern=NAMESPACE_PATTERN.pattern)
]
NameArg = Annotated[str, Field(description="Name of the object", max_length=253, pattern=OBJECT_NAME_PATTERN.pattern)]


def troubleshoot_pod(name: NameArg, namespace: NamespaceArg = "default") -> str:
    return f"""Find out why pod {name} in namespace {namespace} is failing, and propose a fix.

Call the kubemcp tools in this order, reading each answer before the next call:
1. `describe` resourceType=pod name={name} namespace={namespace}: phase, container states (Waiting reason such as
   CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError), restart counts, conditions, and its events.
2. `logs` podName={name} namespace={namespace} tailLines=100; if a container restarted, again with previous=true
   to see why the last run ended.
3. `events` namespace={namespace} kind=Pod name={name} for scheduling, image pull, probe and OOM events.
4. If it is Pending: `describe` the nodes it could run on, or `node_stats`, to see capacity, taints and pressure.
5. If a ConfigMap, Secret or PersistentVolumeClaim is named in an error, `get` that object to check it exists.
Then say the cause in one sentence, the evidence (quote the lines), and the smallest change that fixes it.
Do not change anything without asking first."""


def deployment_not_progressing(name: NameArg, namespace: NamespaceArg = "default") -> str:
    return f"""Explain why deployment {name} in namespace {namespace} is not progressing.

Call the kubemcp tools in this order:
1. `rollout_status` resourceType=deployment name={name} namespace={namespace}: desired, updated, ready and
   available replicas, and the Progressing condition (ProgressDeadlineExceeded?).
2. `describe` resourceType=deployment name={name} namespace={namespace}: strategy, selector, template and events.
3. `list` resourceType=replicasets namespace={namespace} with the deployment's labelSelector: the old and new
   ReplicaSets and their ready counts.
4. `list` resourceType=pods namespace={namespace} with the same labelSelector, then `describe` and `logs` one
   pod of the new ReplicaSet that is not ready.
5. `events` namespace={namespace} for quota, admission or scheduling failures.
6. `rollout_history` resourceType=deployment name={name} namespace={namespace} to see what changed.
Report the cause, the evidence, and the fix (a corrected image, resources or probe; or `rollout` action=undo),
and ask before changing anything."""


def review_service_account_rbac(name: NameArg, namespace: NamespaceArg = "default") -> str:
    return f"""Review what service account {name} in namespace {namespace} may do, and whether it is too much.

Call the kubemcp tools in this order:
1. `get` resourceType=serviceaccount name={name} namespace={namespace}.
2. `list` resourceType=rolebindings namespace={namespace} output=yaml and `list`
   resourceType=clusterrolebindings output=yaml; keep the bindings whose subjects include
   kind=ServiceAccount name={name} namespace={namespace} (or the groups system:serviceaccounts and
   system:serviceaccounts:{namespace}).
3. `get` each Role and ClusterRole those bindings refer to.
4. `list` resourceType=pods namespace={namespace} with fieldSelector spec.serviceAccountName={name} to see who
   uses it.
List every permission as verbs on resources with the binding that grants it. Flag wildcards (*), secrets
access, pods/exec, create on pods or workloads, escalate/bind/impersonate, and cluster-wide grants that a
namespaced role would cover. Propose a least-privilege Role, and ask before applying it."""


def namespace_changes_last_hour(namespace: NamespaceArg) -> str:
    return f"""Summarise what changed in namespace {namespace} in the last hour.

Call the kubemcp tools in this order:
1. `events` namespace={namespace} sinceMinutes=60: scaling, rollouts, pulls, kills, failures.
2. `list` resourceType=deployments namespace={namespace} and `rollout_history` for each deployment whose events
   show a rollout, to see which revision changed and what the new template says.
3. `list` resourceType=pods namespace={namespace}: pods younger than an hour (AGE) and restarts.
4. `list` resourceType=configmaps and resourceType=secrets namespace={namespace}; `get` output=full those whose
   metadata.managedFields show an update in the last hour (secret values stay masked).
Give a timeline, newest first: time, object, what changed, and who or what changed it when the record says.
Point out anything that looks like the start of a problem."""


PROMPTS = (
    (troubleshoot_pod, "Troubleshoot a failing pod"),
    (deployment_not_progressing, "Why is a deployment not progressing"),
    (review_service_account_rbac, "Review the RBAC of a service account"),
    (namespace_changes_last_hour, "What changed in a namespace in the last hour"),
)


def register_prompts(server: KubeMCPServer) -> None:
    for prompt, title in PROMPTS:
        server.prompt(name=prompt.__name__, title=title, description=title + ", step by step with kubemcp's tools")(
            prompt
        )

"""Importing this module registers every tool (each module registers its own on import)."""

from k8stools.tools import (
    cluster,  # noqa: F401
    contexts,  # noqa: F401
    discovery,  # noqa: F401
    events,  # noqa: F401
    explain,  # noqa: F401
    generators,  # noqa: F401
    helm,  # noqa: F401
    kubeconfig,  # noqa: F401
    nodes,  # noqa: F401
    pods,  # noqa: F401
    portforward,  # noqa: F401
    read,  # noqa: F401
    rollout,  # noqa: F401
    write,  # noqa: F401
)

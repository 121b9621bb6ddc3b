"""Importing this module registers every tool (each module registers its own on import)."""

from k8stools.tools import contexts  # noqa: F401
from k8stools.tools import discovery  # noqa: F401
from k8stools.tools import events  # noqa: F401
from k8stools.tools import read  # noqa: F401
from k8stools.tools import pods  # noqa: F401
from k8stools.tools import cluster  # noqa: F401
from k8stools.tools import portforward  # noqa: F401
from k8stools.tools import write  # noqa: F401
from k8stools.tools import rollout  # noqa: F401
from k8stools.tools import nodes  # noqa: F401
from k8stools.tools import generators  # noqa: F401
from k8stools.tools import kubeconfig  # noqa: F401
from k8stools.tools import helm  # noqa: F401
from k8stools.tools import explain  # noqa: F401

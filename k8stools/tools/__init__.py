"""The MCP tools. Each module registers its tools with `k8stools.tools.registry.kube_tool`."""

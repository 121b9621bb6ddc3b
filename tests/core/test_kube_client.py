from __future__ import annotations

import unittest

from k8stools.apirequest import resource_request
from k8stools.kube import RateLimiter, ResourceType


class RateLimiterTests(unittest.TestCase):
    def test_it_allows_a_burst_then_paces_requests_at_qps(self) -> None:
        now = [0.0]
        waits: list[float] = []

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            now[0] += seconds

        limiter = RateLimiter(qps=10, burst=3, clock=lambda: now[0], sleep=sleep)
        for _ in range(3):
            self.assertEqual(limiter.acquire(), 0.0)
        self.assertAlmostEqual(limiter.acquire(), 0.1)
        now[0] += 1.0  # a quiet second refills the bucket
        self.assertEqual(limiter.acquire(), 0.0)
        self.assertEqual(len(waits), 1)


class ResourceTypeTests(unittest.TestCase):
    def test_it_addresses_real_api_paths(self) -> None:
        pods = ResourceType("", "v1", "pods", "Pod", True, frozenset())
        deployments = ResourceType("apps", "v1", "deployments", "Deployment", True, frozenset())
        nodes = ResourceType("", "v1", "nodes", "Node", False, frozenset())
        self.assertEqual(
            resource_request(pods, namespace="default", name="web", subresource="log").path,
            "/api/v1/namespaces/default/pods/web/log",
        )
        self.assertEqual(resource_request(pods).path, "/api/v1/pods")
        self.assertEqual(
            resource_request(deployments, namespace="web").path, "/apis/apps/v1/namespaces/web/deployments"
        )
        self.assertEqual(resource_request(nodes, namespace="ignored", name="n1").path, "/api/v1/nodes/n1")
        self.assertEqual((deployments.api_version, deployments.qualified_name), ("apps/v1", "deployments.apps"))

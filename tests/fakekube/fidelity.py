"""The case the kubectl fidelity suites share: one fake per class, kubectl 1.32 run against it as a subprocess."""

from __future__ import annotations

import os
import shutil

from fakekube import FakeCluster

from .base import FakeClusterTestCase


class KubectlFidelityTestCase(FakeClusterTestCase):
    """A cluster as `FakeCluster()` makes it (with what real clusters have unasked), and `viewer`, who may only
    read pods in `default`."""

    @classmethod
    def make_cluster(cls) -> FakeCluster:
        cluster = FakeCluster()
        cluster.grant("viewer", verbs=["get", "list"], resources=["pods"], namespaces=["default"], groups=[""])
        return cluster

    def setUp(self) -> None:
        # kubectl is installed by .ci/run (Debian's kubernetes-client); without it this contract is unchecked.
        self.assertIsNotNone(shutil.which("kubectl"), "kubectl is not installed (apt-get install kubernetes-client)")

    def manifest(self, text: str, name: str = "manifest.yaml") -> str:
        path = os.path.join(self.tempdir.name, name)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return path

    def refused(self, *args: str) -> str:
        """kubectl's error output for a command that must fail with exit code 1."""
        result = self.kubectl(*args, check=False)
        self.assertEqual(result.returncode, 1, result.stdout)
        return result.stderr.strip()

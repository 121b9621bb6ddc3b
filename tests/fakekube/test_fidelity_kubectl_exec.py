"""The fake's contract for `kubectl exec` and `kubectl attach`, over both of kubectl 1.32's transports: websockets
(v5.channel.k8s.io, the default) and SPDY (`KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false`, and what client-go falls
back to). Each check states what a real cluster answers: the output, and kubectl's exit code, which is the
command's own when it fails."""

from __future__ import annotations

import os
import subprocess
import threading

from .fidelity import KubectlFidelityTestCase

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "shell", "namespace": "default"},
    "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "debian:12"}]},
    "status": {
        "phase": "Running",
        "containerStatuses": [
            {
                "name": "app",
                "ready": True,
                "restartCount": 0,
                "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}},
            }
        ],
    },
}
TRANSPORTS = {"websockets": "true", "spdy": "false"}


class KubectlExecFidelityTests(KubectlFidelityTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.cluster.add_object(POD)

    def kubectl_over(self, transport: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        # Without DEBUG, which manage.py sets: with it, the SPDY library inside kubectl logs every frame to stderr.
        environment = {key: value for key, value in os.environ.items() if key != "DEBUG"}
        environment["KUBECTL_REMOTE_COMMAND_WEBSOCKETS"] = TRANSPORTS[transport]
        return self.kubectl(*args, check=False, stdin=stdin, env=environment)

    def test_exec_prints_the_output_and_exits_zero(self) -> None:
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                result = self.kubectl_over(transport, "exec", "shell", "--", "sh", "-c", "echo out; echo err >&2")

                self.assertEqual((result.stdout, result.stderr, result.returncode), ("out\n", "err\n", 0))

    def test_a_failing_command_gives_kubectl_its_exit_code(self) -> None:
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                result = self.kubectl_over(transport, "exec", "shell", "--", "sh", "-c", "echo partial; exit 3")

                self.assertEqual((result.stdout, result.returncode), ("partial\n", 3))
                self.assertIn("command terminated with exit code 3", result.stderr)

    def test_stdin_reaches_the_command_until_it_ends(self) -> None:
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                result = self.kubectl_over(transport, "exec", "-i", "shell", "--", "wc", "-l", stdin="a\nb\nc\n")

                self.assertEqual((result.stdout, result.returncode), ("3\n", 0))

    def test_a_missing_executable_fails(self) -> None:
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                result = self.kubectl_over(transport, "exec", "shell", "--", "nosuchtool")

                self.assertNotEqual(result.returncode, 0)
                self.assertIn('exec: "nosuchtool": executable file not found in $PATH', result.stderr)

    def test_large_output_arrives_whole(self) -> None:
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                result = self.kubectl_over(transport, "exec", "shell", "--", "seq", "100000")

                self.assertEqual((len(result.stdout.splitlines()), result.returncode), (100000, 0))
                self.assertEqual(result.stdout.splitlines()[-1], "100000")

    def test_attach_shows_what_the_container_writes_until_it_goes_away(self) -> None:
        for transport in TRANSPORTS:
            with self.subTest(transport=transport):
                name = f"attached-{transport}"
                self.cluster.add_object({**POD, "metadata": {"name": name, "namespace": "default"}})
                runtime = self.cluster.runtime
                runtime.set_logs("default", name, "app", ["before"])
                threading.Timer(0.5, runtime.append_log, ("default", name, "app", "after")).start()
                threading.Timer(1.0, self.cluster.delete_object, ("pods", "default", name)).start()

                result = self.kubectl_over(transport, "attach", name)

                self.assertEqual((result.stdout, result.returncode), ("after\n", 0))

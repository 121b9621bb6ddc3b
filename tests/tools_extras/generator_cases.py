"""run and create_resource, mixed into the live test classes of test_live.py."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from django.test import SimpleTestCase

from k8stools.models import AuditRecord
from k8stools.tools.errors import ToolInputError
from k8stools.tools.generators import build_object, container_name

if TYPE_CHECKING:
    from tests.live import LiveServerTestCase as Base
else:
    Base = object


class WritableGeneratorCases(Base):
    def test_run_starts_a_pod_labelled_like_kubectl_run(self) -> None:
        text = self.text("run", name="probe", image="busybox:1.36", port=8080, command=["sleep", "3600"])
        self.assertEqual(text, "pod/probe created")
        pod = self.fake.get_object("pods", "default", "probe")
        self.assertEqual(pod["metadata"]["labels"], {"run": "probe"})
        container = pod["spec"]["containers"][0]
        self.assertEqual((container["image"], container["command"]), ("busybox:1.36", ["sleep", "3600"]))
        self.assertEqual(container["ports"][0]["containerPort"], 8080)

    def test_run_an_existing_name_is_a_tool_error(self) -> None:
        self.text("run", name="twice", image="nginx:1.27")
        self.assertIn("already exists", self.error("run", name="twice", image="nginx:1.27"))

    def test_a_configmap_from_literals(self) -> None:
        self.text("create_resource", kind="configmap", name="settings", data={"mode": "fast", "level": "3"})
        self.assertEqual(
            self.fake.get_object("configmaps", "default", "settings")["data"], {"mode": "fast", "level": "3"}
        )

    def test_a_secret_from_literals_is_stored_encoded_and_never_echoed(self) -> None:
        text = self.text(
            "create_resource", kind="secret", name="creds", data={"password": "hunter2-xyz"}, output="yaml"
        )
        self.assertNotIn("hunter2-xyz", text)
        self.assertNotIn(base64.b64encode(b"hunter2-xyz").decode(), text)
        stored = self.fake.get_object("secrets", "default", "creds")["data"]["password"]
        self.assertEqual(base64.b64decode(stored), b"hunter2-xyz")
        audited = AuditRecord.objects.get(tool="create_resource", name="creds")
        self.assertNotIn("hunter2-xyz", str(audited.arguments))

    def test_a_service_a_deployment_a_job_and_a_cronjob(self) -> None:
        self.text("create_resource", kind="service", name="shop", port=80, targetPort=8080, serviceType="NodePort")
        service = self.fake.get_object("services", "default", "shop")
        self.assertEqual(service["spec"]["selector"], {"app": "shop"})
        self.assertEqual(service["spec"]["ports"][0]["targetPort"], 8080)
        self.text("create_resource", kind="deployment", name="shop", image="ghcr.io/acme/shop:1.2", replicas=2)
        deployment = self.fake.get_object("deployments", "default", "shop", group="apps")
        self.assertEqual(deployment["spec"]["replicas"], 2)
        self.assertEqual(deployment["spec"]["template"]["spec"]["containers"][0]["name"], "shop")
        self.text("create_resource", kind="job", name="once", image="busybox", command=["echo", "hi"])
        self.assertEqual(
            self.fake.get_object("jobs", "default", "once", group="batch")["spec"]["template"]["spec"]["restartPolicy"],
            "Never",
        )
        self.text("create_resource", kind="cronjob", name="nightly", image="busybox", schedule="0 3 * * *")
        self.assertEqual(
            self.fake.get_object("cronjobs", "default", "nightly", group="batch")["spec"]["schedule"], "0 3 * * *"
        )

    def test_arguments_that_do_not_fit_the_kind_are_tool_errors_with_the_fix(self) -> None:
        self.assertIn(
            "a cronjob needs schedule", self.error("create_resource", kind="cronjob", name="c", image="busybox")
        )
        self.assertIn(
            "image do(es) not apply to a configmap",
            self.error("create_resource", kind="configmap", name="c", image="x"),
        )


class NonDestructiveGeneratorCases(Base):
    def test_run_and_create_resource_are_refused_and_nothing_reaches_the_cluster(self) -> None:
        self.fake.clear_requests()
        self.assertIn("not allowed", self.error("run", name="nope", image="nginx:1.27"))
        self.assertIn("not allowed", self.error("create_resource", kind="configmap", name="nope", data={"a": "b"}))
        self.assertEqual(self.fake.mutations(), [])


class BuilderTests(SimpleTestCase):
    def test_container_names_come_from_the_image_like_kubectl(self) -> None:
        self.assertEqual(container_name("registry.example.com:5000/team/My_App:1.0@sha256:abc"), "my-app")

    def test_bad_data_keys_are_refused(self) -> None:
        with self.assertRaisesMessage(ToolInputError, "data key 'a b' is not valid"):
            build_object("configmap", "x", data={"a b": "1"})

"""The fake's contract, as kubectl 1.32 (a client nobody here wrote) sees it: each check states what a real API
server answers (exit code, the line kubectl prints, the object left behind) for the verbs, kinds and subresources
kubemcp's tools use. A change to the fake that breaks one of these makes it less like a real cluster.

This module: reading, decoding and validation (built-in kinds and custom resources). Writes, deletion and
identity are in `test_fidelity_kubectl_writes`."""

from __future__ import annotations

import json

from .fidelity import KubectlFidelityTestCase

CONFIG_MAP_WITH_UNKNOWN_FIELD = """
apiVersion: v1
kind: ConfigMap
metadata: {name: NAME, namespace: default}
data: {a: "1"}
bogus: 1
"""

CONFIG_MAP_WITH_A_NUMBER = """
apiVersion: v1
kind: ConfigMap
metadata: {name: typed, namespace: default}
data: {a: 1}
"""

DEPLOYMENT_WITH_TWO_ERRORS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: broken, namespace: default}
spec:
  replicas: -1
  selector: {matchLabels: {app: broken}}
  template:
    metadata: {labels: {app: broken}}
    spec: {containers: [{name: main}]}
"""

DEPLOYMENT_WITH_A_NESTED_UNKNOWN_FIELD = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: nested, namespace: default}
spec:
  selector: {matchLabels: {app: nested}}
  template:
    metadata: {labels: {app: nested}}
    spec: {containers: [{name: main, image: nginx, imagePullPolicyy: Always}]}
"""

WIDGET_CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: string, enum: [s, m]}
              replicas: {type: integer, minimum: 0, maximum: 10, default: 1}
"""


def widget(name: str, spec: str) -> str:
    return f"apiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: {name}, namespace: default}}\nspec: {spec}\n"


class KubectlReadingAndValidationTests(KubectlFidelityTestCase):
    # -- reading ---------------------------------------------------------------------------------------

    def test_version_reports_a_1_32_server(self) -> None:
        versions = json.loads(self.kubectl("version", "-o", "json").stdout)
        self.assertEqual((versions["serverVersion"]["major"], versions["serverVersion"]["minor"]), ("1", "32"))

    def test_the_four_initial_namespaces_exist(self) -> None:
        names = self.kubectl("get", "namespaces", "-o", "name").stdout.split()
        for name in (
            "namespace/default",
            "namespace/kube-system",
            "namespace/kube-public",
            "namespace/kube-node-lease",
        ):
            self.assertIn(name, names)

    def test_the_objects_every_cluster_has_are_there(self) -> None:
        self.assertIn("10.96.0.1", self.kubectl("get", "service", "kubernetes").stdout)
        self.assertIn(":6443", self.kubectl("get", "endpoints", "kubernetes").stdout)
        self.kubectl("create", "namespace", "fresh")
        ca = self.kubectl("get", "configmap", "kube-root-ca.crt", "-n", "fresh", "-o", "jsonpath={.data.ca\\.crt}")
        self.assertTrue(ca.stdout.startswith("-----BEGIN CERTIFICATE-----"), ca.stdout)
        self.kubectl(
            "create", "-f", self.manifest("apiVersion: v1\nkind: Node\nmetadata: {name: worker-9}\n", "node.yaml")
        )
        self.assertIn("worker-9", self.kubectl("get", "lease", "worker-9", "-n", "kube-node-lease").stdout)

    def test_a_missing_object_is_not_found(self) -> None:
        self.assertEqual(
            self.refused("get", "pod", "missing"), 'Error from server (NotFound): pods "missing" not found'
        )

    def test_an_unknown_kind_is_reported_from_discovery(self) -> None:
        self.assertEqual(
            self.refused("get", "nosuchkinds"), 'error: the server doesn\'t have a resource type "nosuchkinds"'
        )

    def test_an_unknown_path_is_the_generic_not_found(self) -> None:
        self.assertEqual(
            self.refused("get", "--raw", "/api/v1/nosuch"),
            "Error from server (NotFound): the server could not find the requested resource",
        )

    def test_api_resources_lists_core_and_group_kinds(self) -> None:
        listed = self.kubectl("api-resources", "-o", "name").stdout.split()
        for name in ("pods", "configmaps", "deployments.apps", "jobs.batch", "events.events.k8s.io"):
            self.assertIn(name, listed)

    def test_explain_describes_fields_from_the_openapi_v3_documents(self) -> None:
        explained = self.kubectl("explain", "deployment.spec.replicas").stdout
        self.assertIn("KIND:       Deployment", explained)
        self.assertIn("FIELD: replicas <integer>", explained)

    def test_explain_describes_a_core_kind_s_nested_fields_and_their_types(self) -> None:
        explained = self.kubectl("explain", "services.spec.ports").stdout
        self.assertIn("FIELD: ports <[]ServicePort>", explained)
        self.assertIn("The list of ports that are exposed by this service.", explained)
        self.assertIn("ServicePort contains information on service's port.", explained)
        self.assertIn("port\t<integer> -required-", explained)
        self.assertIn("targetPort\t<IntOrString>", explained)
        self.assertIn("The port that will be exposed by this service.", explained)

    def test_explain_recurses_through_types_of_other_groups(self) -> None:
        explained = self.kubectl("explain", "cronjob.spec.jobTemplate", "--recursive").stdout
        self.assertIn("FIELD: jobTemplate <JobTemplateSpec>", explained)
        self.assertIn("JobTemplateSpec describes the data a Job should have", explained)
        lines = explained.splitlines()
        for line in ("  spec\t<JobSpec>", "    backoffLimit\t<integer>", "    template\t<PodTemplateSpec> -required-"):
            self.assertIn(line, lines)
        self.assertIn("containers\t<[]Container> -required-", explained)

    def test_explain_describes_kinds_beyond_workloads(self) -> None:
        explained = self.kubectl("explain", "configmap").stdout
        self.assertIn("KIND:       ConfigMap", explained)
        self.assertIn("ConfigMap holds configuration data for pods to consume.", explained)
        self.assertIn("data\t<map[string]string>", explained)
        self.assertIn("Immutable, if set to true, ensures that data stored in the ConfigMap cannot", explained)
        self.assertIn("Standard object's metadata.", explained)

    def test_explain_describes_every_field_of_a_pod_spec(self) -> None:
        explained = self.kubectl("explain", "pods.spec").stdout
        self.assertIn("PodSpec is a description of a pod.", explained)
        self.assertIn("containers\t<[]Container> -required-", explained)
        self.assertIn("List of containers belonging to the pod.", explained)
        self.assertIn("terminationGracePeriodSeconds\t<integer>", explained)
        self.assertIn("restartPolicy\t<string>\n  enum: Always, Never, OnFailure", explained)
        # A real PodSpec has some forty fields, each described.
        fields = [line for line in explained.splitlines() if line.startswith("  ") and "\t<" in line]
        self.assertGreater(len(fields), 35)
        self.assertIn(
            "FIELD: limits <map[string]Quantity>",
            self.kubectl("explain", "pods.spec.containers.resources.limits").stdout.splitlines(),
        )

    def test_wide_pod_tables_have_the_server_side_columns(self) -> None:
        self.kubectl("run", "wide-pod", "--image=nginx")
        header = self.kubectl("get", "pods", "-o", "wide").stdout.splitlines()[0].split()
        self.assertEqual(
            header,
            ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE", "READINESS", "GATES"],
        )

    def test_kinds_beyond_workloads_have_their_own_columns(self) -> None:
        self.kubectl("create", "cronjob", "nightly", "--image=busybox", "--schedule=0 3 * * *")
        self.kubectl("create", "serviceaccount", "robot")
        self.kubectl("create", "ingress", "site", "--rule=shop.example.com/=web:80")
        expected = {
            "cronjobs": "NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE",
            "serviceaccounts": "NAME SECRETS AGE",
            "ingresses": "NAME CLASS HOSTS ADDRESS PORTS AGE",
        }
        for kind, header in expected.items():
            with self.subTest(kind=kind):
                self.assertEqual(" ".join(self.kubectl("get", kind).stdout.splitlines()[0].split()), header)
        self.assertIn("0 3 * * *", self.kubectl("get", "cronjob", "nightly").stdout)
        self.assertIn("shop.example.com", self.kubectl("get", "ingress", "site").stdout)

    def test_chunked_lists_return_every_object_once(self) -> None:
        for index in range(5):
            self.kubectl("create", "configmap", f"chunk-{index}", "--from-literal=a=1")
        names = self.kubectl("get", "configmaps", "--chunk-size=2", "-o", "name").stdout.split()
        self.assertEqual([name for name in names if "chunk-" in name], [f"configmap/chunk-{i}" for i in range(5)])

    def test_selectors_filter_on_the_server(self) -> None:
        self.kubectl("create", "configmap", "labelled", "--from-literal=a=1")
        self.kubectl("label", "configmap", "labelled", "tier=gold")
        self.assertEqual(
            self.kubectl("get", "cm", "-l", "tier=gold", "-o", "name").stdout.split(), ["configmap/labelled"]
        )
        self.assertEqual(
            self.kubectl("get", "cm", "--field-selector", "metadata.name=labelled", "-o", "name").stdout.split(),
            ["configmap/labelled"],
        )

    # -- validation ------------------------------------------------------------------------------------

    def test_strict_validation_refuses_an_unknown_field(self) -> None:
        path = self.manifest(CONFIG_MAP_WITH_UNKNOWN_FIELD.replace("NAME", "strict"))
        self.assertEqual(
            self.refused("create", "-f", path),
            f'Error from server (BadRequest): error when creating "{path}": ConfigMap in version "v1" cannot be '
            'handled as a ConfigMap: strict decoding error: unknown field "bogus"',
        )
        self.assertEqual(
            self.refused("get", "cm", "strict"), 'Error from server (NotFound): configmaps "strict" not found'
        )

    def test_strict_validation_names_a_nested_unknown_field_by_its_path(self) -> None:
        path = self.manifest(DEPLOYMENT_WITH_A_NESTED_UNKNOWN_FIELD)
        self.assertIn(
            'strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolicyy"',
            self.refused("apply", "-f", path),
        )

    def test_warn_validation_drops_the_unknown_field_with_a_warning(self) -> None:
        path = self.manifest(CONFIG_MAP_WITH_UNKNOWN_FIELD.replace("NAME", "warned"))
        result = self.kubectl("create", "--validate=warn", "-f", path)
        self.assertEqual(result.stdout.strip(), "configmap/warned created")
        self.assertIn('Warning: unknown field "bogus"', result.stderr)
        stored = json.loads(self.kubectl("get", "cm", "warned", "-o", "json").stdout)
        self.assertNotIn("bogus", stored)

    def test_ignore_validation_drops_the_unknown_field_silently(self) -> None:
        path = self.manifest(CONFIG_MAP_WITH_UNKNOWN_FIELD.replace("NAME", "ignored"))
        result = self.kubectl("create", "--validate=false", "-f", path)
        self.assertNotIn("Warning", result.stderr)
        self.assertNotIn("bogus", json.loads(self.kubectl("get", "cm", "ignored", "-o", "json").stdout))

    def test_a_value_of_the_wrong_type_is_a_decoding_error(self) -> None:
        path = self.manifest(CONFIG_MAP_WITH_A_NUMBER)
        self.assertEqual(
            self.refused("create", "--validate=false", "-f", path),
            f'Error from server (BadRequest): error when creating "{path}": ConfigMap in version "v1" cannot be '
            "handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string",
        )

    def test_an_invalid_deployment_lists_every_cause(self) -> None:
        path = self.manifest(DEPLOYMENT_WITH_TWO_ERRORS)
        self.assertEqual(
            self.refused("create", "-f", path),
            'The Deployment "broken" is invalid: \n'
            "* spec.replicas: Invalid value: -1: must be greater than or equal to 0\n"
            "* spec.template.spec.containers[0].image: Required value",
        )

    def test_server_side_apply_refuses_a_field_not_in_the_schema(self) -> None:
        path = self.manifest(CONFIG_MAP_WITH_UNKNOWN_FIELD.replace("NAME", "typed-apply"))
        self.assertEqual(
            self.refused("apply", "--server-side", "-f", path),
            "Error from server (BadRequest): failed to create typed patch object (/v1, Kind=ConfigMap): .bogus: "
            "field not declared in schema",
        )

    def with_widgets(self) -> None:
        self.kubectl("apply", "-f", self.manifest(WIDGET_CRD, "crd.yaml"))

    def test_a_custom_resource_is_defaulted_from_its_schema(self) -> None:
        self.with_widgets()
        self.kubectl("apply", "-f", self.manifest(widget("defaulted", "{size: s}"), "w.yaml"))
        stored = json.loads(self.kubectl("get", "widget", "defaulted", "-o", "json").stdout)
        self.assertEqual(stored["spec"], {"size": "s", "replicas": 1})

    def test_a_custom_resource_field_not_in_the_schema_is_refused_or_pruned(self) -> None:
        self.with_widgets()
        path = self.manifest(widget("pruned", "{size: s, colour: red}"), "w.yaml")
        self.assertEqual(
            self.refused("create", "-f", path),
            f'Error from server (BadRequest): error when creating "{path}": Widget in version "v1" cannot be '
            'handled as a Widget: strict decoding error: unknown field "spec.colour"',
        )
        self.kubectl("create", "--validate=false", "-f", path)
        stored = json.loads(self.kubectl("get", "widget", "pruned", "-o", "json").stdout)
        self.assertEqual(stored["spec"], {"size": "s", "replicas": 1})

    def test_a_custom_resource_breaking_its_schema_lists_every_cause(self) -> None:
        self.with_widgets()
        refused = self.refused("create", "-f", self.manifest(widget("invalid", "{size: xl, replicas: 11}"), "w.yaml"))
        self.assertIn('The Widget "invalid" is invalid: \n', refused)
        self.assertIn('* spec.size: Unsupported value: "xl": supported values: "s", "m"', refused)
        self.assertIn(
            "* spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10", refused
        )
        missing = self.refused("create", "-f", self.manifest(widget("unsized", "{replicas: 2}"), "w.yaml"))
        self.assertIn("spec.size: Required value", missing)

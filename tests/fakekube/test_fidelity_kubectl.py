"""The fake's contract, as kubectl 1.32 (a client nobody here wrote) sees it: each check states what a real API
server answers (exit code, the line kubectl prints, the object left behind) for the verbs, kinds and subresources
kubemcp's tools use. A change to the fake that breaks one of these makes it less like a real cluster."""

from __future__ import annotations

import json
import os
import shutil

from fakekube import FakeCluster

from .base import FakeClusterTestCase

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


def scheduled_pod(name: str, namespace: str = "default", finalizer: bool = False) -> str:
    finalizers = "finalizers: [example.com/hold], " if finalizer else ""
    return (
        f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {namespace}, {finalizers}labels: {{app: {name}}}}}\n"
        "spec: {nodeName: worker-1, containers: [{name: main, image: nginx}]}\n"
    )


class KubectlFidelityTests(FakeClusterTestCase):
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
        result = self.kubectl(*args, check=False)
        self.assertEqual(result.returncode, 1, result.stdout)
        return result.stderr.strip()

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

    def test_wide_pod_tables_have_the_server_side_columns(self) -> None:
        self.kubectl("run", "wide-pod", "--image=nginx")
        header = self.kubectl("get", "pods", "-o", "wide").stdout.splitlines()[0].split()
        self.assertEqual(
            header,
            ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE", "READINESS", "GATES"],
        )

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

    # -- writing ---------------------------------------------------------------------------------------

    def test_create_twice_is_already_exists(self) -> None:
        self.assertEqual(
            self.kubectl("create", "deployment", "twice", "--image=nginx").stdout.strip(),
            "deployment.apps/twice created",
        )
        self.assertEqual(
            self.refused("create", "deployment", "twice", "--image=nginx"),
            'error: failed to create deployment: deployments.apps "twice" already exists',
        )

    def test_creating_in_a_missing_namespace_is_not_found(self) -> None:
        self.assertEqual(
            self.refused("create", "configmap", "lost", "-n", "nowhere"),
            'error: failed to create configmap: namespaces "nowhere" not found',
        )

    def test_client_side_apply_creates_leaves_unchanged_then_configures(self) -> None:
        text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: applied, namespace: default}\ndata: {a: 'A'}\n"
        path = self.manifest(text, "applied.yaml")
        self.assertEqual(self.kubectl("apply", "-f", path).stdout.strip(), "configmap/applied created")
        self.assertEqual(self.kubectl("apply", "-f", path).stdout.strip(), "configmap/applied unchanged")
        self.manifest(text.replace("'A'", "'B'"), "applied.yaml")
        self.assertEqual(self.kubectl("apply", "-f", path).stdout.strip(), "configmap/applied configured")

    def test_server_side_apply_reports_a_conflict_with_another_manager(self) -> None:
        text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owned, namespace: default}\ndata: {a: 'A'}\n"
        path = self.manifest(text, "owned.yaml")
        self.assertEqual(
            self.kubectl("apply", "--server-side", "-f", path).stdout.strip(), "configmap/owned serverside-applied"
        )
        self.kubectl("patch", "configmap", "owned", "-p", '{"data":{"a":"changed"}}')
        self.assertIn(
            'error: Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .data.a',
            self.refused("apply", "--server-side", "-f", path),
        )
        forced = self.kubectl("apply", "--server-side", "--force-conflicts", "-f", path)
        self.assertEqual(forced.stdout.strip(), "configmap/owned serverside-applied")

    def test_patch_reports_no_change_when_nothing_changed(self) -> None:
        self.kubectl("create", "configmap", "patched", "--from-literal=a=1")
        self.assertEqual(
            self.kubectl("patch", "cm", "patched", "-p", '{"data":{"a":"2"}}').stdout.strip(),
            "configmap/patched patched",
        )
        self.assertEqual(
            self.kubectl("patch", "cm", "patched", "-p", '{"data":{"a":"2"}}').stdout.strip(),
            "configmap/patched patched (no change)",
        )

    def test_replace_with_a_stale_resource_version_is_a_conflict(self) -> None:
        self.kubectl("create", "configmap", "stale", "--from-literal=a=1")
        path = self.manifest(self.kubectl("get", "cm", "stale", "-o", "yaml").stdout, "stale.yaml")
        self.kubectl("label", "cm", "stale", "touched=yes")
        self.assertEqual(
            self.refused("replace", "-f", path),
            f'Error from server (Conflict): error when replacing "{path}": Operation cannot be fulfilled on '
            'configmaps "stale": the object has been modified; please apply your changes to the latest version '
            "and try again",
        )

    def test_scale_rollout_and_wait_follow_the_deployment_controller(self) -> None:
        self.kubectl("create", "deployment", "scaled", "--image=nginx")
        self.assertEqual(
            self.kubectl("scale", "deployment", "scaled", "--replicas=3").stdout.strip(),
            "deployment.apps/scaled scaled",
        )
        self.assertIn(
            "successfully rolled out", self.kubectl("rollout", "status", "deploy/scaled", "--timeout=20s").stdout
        )
        self.kubectl("wait", "--for=condition=Available", "deploy/scaled", "--timeout=20s")
        pods = self.kubectl("get", "pods", "-l", "app=scaled", "-o", "name").stdout.split()
        self.assertEqual(len(pods), 3)
        self.assertIn("Replicas:", self.kubectl("describe", "deployment", "scaled").stdout)

    def test_controllers_record_events_that_describe_shows(self) -> None:
        self.kubectl("create", "deployment", "evented", "--image=nginx", "--replicas=2")
        self.kubectl("scale", "deployment", "evented", "--replicas=1")
        described = self.kubectl("describe", "deployment", "evented").stdout
        replica_set = self.kubectl("get", "rs", "-l", "app=evented", "-o", "name").stdout.strip().split("/")[-1]
        self.assertRegex(
            described,
            rf"Normal\s+ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set {replica_set} from 0 to 2",
        )
        self.assertIn(f"Scaled down replica set {replica_set} from 2 to 1", described)
        replica_set_events = self.kubectl("describe", "rs", replica_set).stdout
        self.assertRegex(replica_set_events, r"Normal\s+SuccessfulCreate\s+\S+\s+replicaset-controller\s+Created pod: ")
        self.assertIn("SuccessfulDelete", replica_set_events)

    def test_server_dry_run_delete_leaves_the_object(self) -> None:
        self.kubectl("create", "configmap", "kept", "--from-literal=a=1")
        self.assertEqual(
            self.kubectl("delete", "cm", "kept", "--dry-run=server").stdout.strip(),
            'configmap "kept" deleted (server dry run)',
        )
        self.assertEqual(self.kubectl("get", "cm", "kept", "-o", "name").stdout.strip(), "configmap/kept")

    def test_delete_then_delete_again_is_not_found(self) -> None:
        self.kubectl("create", "configmap", "gone", "--from-literal=a=1")
        self.assertEqual(self.kubectl("delete", "cm", "gone").stdout.strip(), 'configmap "gone" deleted')
        self.assertEqual(
            self.refused("delete", "cm", "gone"), 'Error from server (NotFound): configmaps "gone" not found'
        )

    def test_a_deleted_pod_is_terminating_with_its_grace_period_until_released(self) -> None:
        self.kubectl("create", "-f", self.manifest(scheduled_pod("held", finalizer=True), "held.yaml"))
        self.assertEqual(self.kubectl("delete", "pod", "held", "--wait=false").stdout.strip(), 'pod "held" deleted')
        shown = json.loads(self.kubectl("get", "pod", "held", "-o", "json").stdout)
        self.assertIn("deletionTimestamp", shown["metadata"])
        self.assertEqual(shown["metadata"]["deletionGracePeriodSeconds"], 30)
        self.assertIn("Terminating", self.kubectl("get", "pod", "held").stdout)
        self.kubectl("patch", "pod", "held", "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]')
        self.assertEqual(self.refused("get", "pod", "held"), 'Error from server (NotFound): pods "held" not found')

    def test_a_running_pod_is_gone_once_its_containers_stop(self) -> None:
        self.kubectl("create", "-f", self.manifest(scheduled_pod("stopped"), "stopped.yaml"))
        self.assertEqual(self.kubectl("delete", "pod", "stopped").stdout.strip(), 'pod "stopped" deleted')
        self.assertEqual(
            self.refused("get", "pod", "stopped"), 'Error from server (NotFound): pods "stopped" not found'
        )

    def test_a_namespace_is_terminating_until_its_content_is_gone(self) -> None:
        self.kubectl("create", "namespace", "doomed")
        self.kubectl("create", "-f", self.manifest(scheduled_pod("holder", "doomed", finalizer=True), "holder.yaml"))
        self.kubectl("create", "configmap", "plain", "-n", "doomed", "--from-literal=a=1")
        self.assertEqual(
            self.kubectl("delete", "namespace", "doomed", "--wait=false").stdout.strip(), 'namespace "doomed" deleted'
        )
        self.assertIn("Terminating", self.kubectl("get", "namespace", "doomed").stdout)
        self.assertEqual(
            self.refused("get", "cm", "plain", "-n", "doomed"),
            'Error from server (NotFound): configmaps "plain" not found',
        )
        self.assertEqual(
            self.refused("create", "configmap", "late", "-n", "doomed"),
            'error: failed to create configmap: configmaps "late" is forbidden: unable to create new content in '
            "namespace doomed because it is being terminated",
        )
        self.kubectl(
            "patch",
            "pod",
            "holder",
            "-n",
            "doomed",
            "--type=json",
            "-p",
            '[{"op":"remove","path":"/metadata/finalizers"}]',
        )
        self.assertEqual(
            self.refused("get", "namespace", "doomed"), 'Error from server (NotFound): namespaces "doomed" not found'
        )

    def test_an_orphaning_delete_leaves_dependents_without_the_owner_reference(self) -> None:
        self.kubectl("create", "deployment", "orphaner", "--image=nginx")
        self.assertEqual(
            self.kubectl("delete", "deployment", "orphaner", "--cascade=orphan").stdout.strip(),
            'deployment.apps "orphaner" deleted',
        )
        replicasets = json.loads(self.kubectl("get", "rs", "-l", "app=orphaner", "-o", "json").stdout)["items"]
        self.assertEqual(len(replicasets), 1)
        self.assertNotIn("ownerReferences", replicasets[0]["metadata"])

    # -- identity --------------------------------------------------------------------------------------

    def test_can_i_answers_from_rbac(self) -> None:
        self.assertEqual(self.kubectl("auth", "can-i", "create", "pods").stdout.strip(), "yes")
        refused = self.kubectl("auth", "can-i", "delete", "pods", "--as", "viewer", check=False)
        self.assertEqual((refused.returncode, refused.stdout.strip()), (1, "no"))

    def test_can_i_list_shows_the_rules_of_the_impersonated_user(self) -> None:
        rules = self.kubectl("auth", "can-i", "--list", "--as", "viewer", "-n", "default").stdout
        self.assertRegex(rules, r"pods\s+\[\]\s+\[\]\s+\[get list\]")
        self.assertNotIn("*.*", rules)
        self.assertRegex(self.kubectl("auth", "can-i", "--list").stdout, r"\*\.\*\s+\[\]\s+\[\]\s+\[\*\]")

    def test_an_impersonated_user_is_held_to_its_own_grants(self) -> None:
        self.kubectl("get", "pods", "--as", "viewer")
        self.assertEqual(
            self.refused("get", "pods", "-n", "kube-system", "--as", "viewer"),
            'Error from server (Forbidden): pods is forbidden: User "viewer" cannot list resource "pods" in API '
            'group "" in the namespace "kube-system"',
        )
        recorded = [r for r in self.cluster.requests if r.identity == "viewer"]
        self.assertTrue(recorded)
        self.assertTrue(all(r.impersonator == "kubernetes-admin" for r in recorded))

    def test_whoami_shows_the_impersonated_user_and_groups(self) -> None:
        whoami = json.loads(self.kubectl("auth", "whoami", "--as", "viewer", "--as-group", "devs", "-o", "json").stdout)
        self.assertEqual(
            whoami["status"]["userInfo"], {"username": "viewer", "groups": ["devs", "system:authenticated"]}
        )

from __future__ import annotations

import copy
from unittest import TestCase

from k8stools.formatting.documents import to_yaml
from k8stools.formatting.slim import prune
from tests.formatting import fixtures


class PruneTests(TestCase):
    def test_slim_is_smaller_than_normal_which_is_smaller_than_full(self) -> None:
        deployment = fixtures.deployment(env_count=12)
        sizes = [len(to_yaml(prune(deployment, form))) for form in ("slim", "normal", "full")]
        self.assertLess(sizes[0], sizes[1])
        self.assertLess(sizes[1], sizes[2])

    def test_it_never_mutates_its_input(self) -> None:
        for obj in (fixtures.deployment(env_count=12), fixtures.pods_in_many_states()[1], fixtures.event("A", "b")):
            before = copy.deepcopy(obj)
            for form in ("slim", "normal", "wide", "full"):
                prune(obj, form)
            self.assertEqual(obj, before)

    def test_normal_drops_the_noisy_fields_only(self) -> None:
        normal = prune(fixtures.deployment(), "normal")
        metadata = normal["metadata"]
        for field in ("managedFields", "uid", "resourceVersion", "generation"):
            self.assertNotIn(field, metadata)
        self.assertEqual(metadata["annotations"], {"team": "storefront"})
        self.assertNotIn("lastTransitionTime", normal["status"]["conditions"][0])
        template = normal["spec"]["template"]
        self.assertNotIn("creationTimestamp", template["metadata"])
        self.assertNotIn("terminationMessagePath", template["spec"]["containers"][0])
        self.assertEqual(normal["spec"]["revisionHistoryLimit"], 10)
        self.assertEqual(template["spec"]["containers"][0]["readinessProbe"]["periodSeconds"], 10)

    def test_slim_shapes_workloads(self) -> None:
        slim = prune(fixtures.deployment(env_count=12), "slim")
        self.assertNotIn("progressDeadlineSeconds", slim["spec"])
        self.assertNotIn("revisionHistoryLimit", slim["spec"])
        pod_spec = slim["spec"]["template"]["spec"]
        self.assertNotIn("restartPolicy", pod_spec)
        self.assertNotIn("terminationGracePeriodSeconds", pod_spec)
        container = pod_spec["containers"][0]
        self.assertEqual(container["envCount"], 12)
        self.assertNotIn("env", container)
        self.assertEqual(
            container["readinessProbe"], {"httpGet": container["readinessProbe"]["httpGet"], "initialDelaySeconds": 5}
        )

    def test_slim_keeps_short_env_lists(self) -> None:
        container = prune(fixtures.deployment(env_count=8), "slim")["spec"]["template"]["spec"]["containers"][0]
        self.assertEqual(len(container["env"]), 8)

    def test_slim_drops_pod_defaults_but_keeps_what_differs(self) -> None:
        pod = fixtures.pods_in_many_states()[0]
        pod["spec"]["restartPolicy"] = "Never"
        spec = prune(pod, "slim")["spec"]
        for field in ("dnsPolicy", "schedulerName", "serviceAccount", "terminationGracePeriodSeconds", "tolerations"):
            self.assertNotIn(field, spec)
        self.assertEqual(spec["restartPolicy"], "Never")
        self.assertEqual(spec["serviceAccountName"], "default")

    def test_slim_compacts_events(self) -> None:
        slim = prune(fixtures.event("Pulled", "Successfully pulled image"), "slim")
        self.assertNotIn("eventTime", slim)
        self.assertNotIn("reportingInstance", slim)
        self.assertEqual(set(slim["involvedObject"]), {"kind", "name", "namespace", "fieldPath"})
        self.assertEqual(set(slim["metadata"]), {"name", "namespace", "creationTimestamp"})

    def test_slim_drops_helm_release_values_and_history(self) -> None:
        release = {
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": "podinfo"},
            "spec": {"chart": {"spec": {"chart": "podinfo"}}, "values": {"replicaCount": 2}},
            "status": {"history": [{"version": 1}], "lastAttemptedConfigDigest": "sha256:abc", "conditions": []},
        }
        slim = prune(release, "slim")
        self.assertNotIn("values", slim["spec"])
        self.assertEqual(slim["status"], {"conditions": []})
        self.assertIn("values", prune(release, "normal")["spec"])

    def test_it_prunes_each_item_of_a_list(self) -> None:
        items = [fixtures.deployment(env_count=12)]
        del items[0]["kind"]
        slim = prune({"apiVersion": "apps/v1", "kind": "DeploymentList", "items": items}, "slim")
        container = slim["items"][0]["spec"]["template"]["spec"]["containers"][0]
        self.assertEqual(container["envCount"], 12)
        self.assertNotIn("managedFields", slim["items"][0]["metadata"])

    def test_wide_and_full_are_untouched(self) -> None:
        deployment = fixtures.deployment()
        self.assertEqual(prune(deployment, "wide"), deployment)
        self.assertEqual(prune(deployment, "full"), deployment)

    def test_it_rejects_an_unknown_form(self) -> None:
        with self.assertRaises(ValueError):
            prune(fixtures.deployment(), "tiny")  # type: ignore[arg-type]

from __future__ import annotations

import json
import unittest

from k8stools.apirequest import resource_request
from k8stools.kube import ResourceType
from k8stools.manifests import kind_defined_by, namespaces_touched, parse_manifest, resolve_document, target_namespace
from k8stools.tools.errors import ToolInputError

CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}}
DEPLOYMENT_YAML = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
"""


def kind(name: str, kind_name: str, group: str = "", namespaced: bool = True) -> ResourceType:
    return ResourceType(
        group=group,
        version="v1",
        name=name,
        kind=kind_name,
        namespaced=namespaced,
        verbs=frozenset({"create", "patch"}),
    )


class Discovery:
    types = [
        kind("configmaps", "ConfigMap"),
        kind("namespaces", "Namespace", namespaced=False),
        kind("deployments", "Deployment", "apps"),
    ]

    def resource_types(self, *, refresh: bool = False) -> list[ResourceType]:
        return self.types


class ParseManifestTests(unittest.TestCase):
    def parse(self, manifest, *, allow_generate_name: bool = True):
        return parse_manifest(manifest, allow_generate_name=allow_generate_name)

    def test_it_reads_several_yaml_documents_in_order(self) -> None:
        documents = self.parse(DEPLOYMENT_YAML + "---\n" + json.dumps(CONFIGMAP) + "\n---\n")
        self.assertEqual(
            [(d.number, d.kind, d.name, d.namespace) for d in documents],
            [(1, "Deployment", "web", "shop"), (2, "ConfigMap", "settings", "")],
        )
        self.assertEqual(documents[0].body["spec"], {"replicas": 2})

    def test_it_reads_json_text_an_object_and_a_list_of_objects(self) -> None:
        self.assertEqual(self.parse(json.dumps(CONFIGMAP))[0].name, "settings")
        self.assertEqual(self.parse(json.dumps([CONFIGMAP, CONFIGMAP]))[1].number, 2)
        self.assertEqual(self.parse(CONFIGMAP)[0].label, "document 1 (ConfigMap settings)")
        self.assertEqual(len(self.parse([CONFIGMAP, CONFIGMAP])), 2)

    def test_it_expands_a_list_kind_and_nested_lists(self) -> None:
        inner = {"apiVersion": "v1", "kind": "ConfigMapList", "items": [CONFIGMAP]}
        documents = self.parse({"apiVersion": "v1", "kind": "List", "items": [CONFIGMAP, inner]})
        self.assertEqual([d.kind for d in documents], ["ConfigMap", "ConfigMap"])

    def test_invalid_yaml_is_reported_with_its_line(self) -> None:
        with self.assertRaisesRegex(ToolInputError, r"not valid YAML at line 4, column \d+"):
            self.parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n")

    def test_invalid_json_is_reported_with_its_line(self) -> None:
        with self.assertRaisesRegex(ToolInputError, "not valid JSON at line 2"):
            self.parse('{"apiVersion": "v1",\n "kind": }')

    def test_an_empty_manifest_is_refused(self) -> None:
        for empty in ("", "   \n", "---\n---\n", [], {"apiVersion": "v1", "kind": "List", "items": []}):
            with self.subTest(empty=empty), self.assertRaisesRegex(ToolInputError, "the manifest is empty"):
                self.parse(empty)

    def test_a_document_that_is_not_an_object_is_refused(self) -> None:
        with self.assertRaisesRegex(ToolInputError, "document 2 is the plain value 'just text', not an object"):
            self.parse(DEPLOYMENT_YAML + "---\njust text\n")
        with self.assertRaisesRegex(ToolInputError, "document 1 is a list, not an object"):
            self.parse([[CONFIGMAP]])

    def test_apiversion_kind_and_name_are_required(self) -> None:
        with self.assertRaisesRegex(ToolInputError, "document 1 has no apiVersion"):
            self.parse({"kind": "ConfigMap", "metadata": {"name": "x"}})
        with self.assertRaisesRegex(ToolInputError, "document 1 has no kind"):
            self.parse({"apiVersion": "v1", "metadata": {"name": "x"}})
        with self.assertRaisesRegex(ToolInputError, r"document 1 \(ConfigMap\) has no metadata object"):
            self.parse({"apiVersion": "v1", "kind": "ConfigMap"})
        with self.assertRaisesRegex(ToolInputError, "metadata.name must be a non-empty string"):
            self.parse({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": 7}})

    def test_generate_name_is_enough_for_create_but_not_for_apply(self) -> None:
        generated = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "cfg-"}}
        self.assertEqual(self.parse(generated)[0].label, "document 1 (ConfigMap cfg-*)")
        with self.assertRaisesRegex(ToolInputError, r"apply needs a name"):
            self.parse(generated, allow_generate_name=False)


class ResolveDocumentTests(unittest.TestCase):
    def test_it_resolves_the_kind_in_the_documents_api_version(self) -> None:
        document = parse_manifest(DEPLOYMENT_YAML, allow_generate_name=False)[0]
        resolved = resolve_document(Discovery(), document)
        self.assertEqual((resolved.group, resolved.name), ("apps", "deployments"))

    def test_an_unknown_kind_names_the_document(self) -> None:
        document = parse_manifest(
            {"apiVersion": "v1", "kind": "ConfigMapp", "metadata": {"name": "x"}}, allow_generate_name=False
        )[0]
        with self.assertRaisesRegex(ToolInputError, r"document 1 \(ConfigMapp x\): unknown resource type 'ConfigMapp'"):
            resolve_document(Discovery(), document)

    def test_a_kind_in_the_wrong_group_is_unknown(self) -> None:
        document = parse_manifest(
            {"apiVersion": "apps/v1", "kind": "ConfigMap", "metadata": {"name": "x"}}, allow_generate_name=False
        )[0]
        with self.assertRaisesRegex(ToolInputError, "in API group 'apps/v1'"):
            resolve_document(Discovery(), document)

    def test_the_namespace_is_the_documents_own_then_the_default_and_none_for_cluster_kinds(self) -> None:
        own, plain = parse_manifest(DEPLOYMENT_YAML + "---\n" + json.dumps(CONFIGMAP), allow_generate_name=False)
        self.assertEqual(target_namespace(own, Discovery.types[2], "default"), "shop")
        self.assertEqual(target_namespace(plain, Discovery.types[0], "team-a"), "team-a")
        namespace = parse_manifest(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}}, allow_generate_name=False
        )[0]
        self.assertIsNone(target_namespace(namespace, Discovery.types[1], "default"))
        self.assertEqual(namespaces_touched(namespace, Discovery.types[1], None), ["kube-system"])
        self.assertEqual(namespaces_touched(own, Discovery.types[2], "shop"), ["shop"])


class KindDefinedByTests(unittest.TestCase):
    DEFINITION = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "robots.acme.io"},
        "spec": {
            "group": "acme.io",
            "scope": "Cluster",
            "names": {"plural": "robots", "singular": "robot", "kind": "Robot"},
            "versions": [{"name": "v1", "served": True}, {"name": "v0", "served": False}],
        },
    }

    def documents(self, api_version: str, kind_name: str):
        obj = {"apiVersion": api_version, "kind": kind_name, "metadata": {"name": "r2"}}
        return parse_manifest([self.DEFINITION, obj], allow_generate_name=False)

    def test_it_takes_url_and_scope_from_the_definition(self) -> None:
        definition, robot = self.documents("acme.io/v1", "Robot")
        kind = kind_defined_by(robot, [definition])
        self.assertIsNotNone(kind)
        self.assertEqual(resource_request(kind, name="r2").path, "/apis/acme.io/v1/robots/r2")
        self.assertFalse(kind.namespaced)

    def test_another_group_kind_or_an_unserved_version_is_not_defined(self) -> None:
        for api_version, kind_name in (("other.io/v1", "Robot"), ("acme.io/v1", "Drone"), ("acme.io/v0", "Robot")):
            definition, robot = self.documents(api_version, kind_name)
            with self.subTest(api_version=api_version, kind=kind_name):
                self.assertIsNone(kind_defined_by(robot, [definition]))

"""explain against the fake cluster's OpenAPI v3 documents, mixed into test_live.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.live import LiveServerTestCase as Base
else:
    Base = object


class ExplainCases(Base):
    def test_a_kind_shows_its_description_and_fields(self) -> None:
        text = self.text("explain", resource="deployment")
        self.assertIn("KIND:       Deployment", text)
        self.assertIn("GROUP:      apps", text)
        self.assertIn("Deployment enables declarative updates", text)
        self.assertIn("spec\t<DeploymentSpec>", text)

    def test_a_field_path_follows_references_and_shows_enums(self) -> None:
        text = self.text("explain", resource="deployment.spec.strategy")
        self.assertIn("FIELD: strategy <DeploymentStrategy>", text)
        self.assertIn("rollingUpdate\t<RollingUpdateDeployment>", text)
        self.assertIn("enum: Recreate, RollingUpdate", text)

    def test_a_path_through_a_list_and_another_group_s_types(self) -> None:
        text = self.text("explain", resource="deploy.spec.template.spec.containers.ports")
        self.assertIn("FIELD: ports <[]ContainerPort>", text)
        self.assertIn("containerPort\t<integer> -required-", text)

    def test_recursive_lists_every_nested_field(self) -> None:
        text = self.text("explain", resource="pod.spec", recursive=True)
        self.assertIn("containers\t<[]Container> -required-", text)
        self.assertIn("    ports\t<[]ContainerPort>", text)
        self.assertIn("      containerPort\t<integer>", text)

    def test_an_unknown_field_names_the_fields_that_exist(self) -> None:
        text = self.error("explain", resource="deployment.spec.stratgy")
        self.assertIn("field 'stratgy' does not exist in Deployment.spec", text)
        self.assertIn("strategy", text)

    def test_an_unknown_kind_is_a_tool_error(self) -> None:
        self.assertIn("deploymnet", self.error("explain", resource="deploymnet"))

    def test_every_built_in_kind_has_its_fields_described(self) -> None:
        text = self.text("explain", resource="configmap")
        self.assertIn("ConfigMap holds configuration data for pods to consume.", text)
        self.assertIn("data\t<map[string]string>", text)
        self.assertIn("Data contains the configuration data.", text)
        ports = self.text("explain", resource="service.spec.ports")
        self.assertIn("port\t<integer> -required-", ports)
        self.assertIn("targetPort\t<IntOrString>", ports)

    def test_a_kind_without_published_fields_says_so(self) -> None:
        # The metrics API's kinds have no model in the official client, so the fake publishes no fields for them.
        text = self.text("explain", resource="PodMetrics", apiGroup="metrics.k8s.io")
        self.assertIn("describes no fields", text)

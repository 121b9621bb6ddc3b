from __future__ import annotations

import copy
import json
from unittest import TestCase

from k8stools.formatting.describe import render_describe
from k8stools.formatting.documents import to_json, to_yaml
from k8stools.formatting.secrets import REDACTED, mask_secrets
from k8stools.formatting.slim import OUTPUT_FORMS, prune
from k8stools.formatting.summary import summarize
from k8stools.formatting.tables import render_table
from tests.formatting import fixtures
from tests.formatting.fixtures import NOW, SECRET_VALUES


class MaskSecretsTests(TestCase):
    def test_it_redacts_every_value_and_keeps_the_keys(self) -> None:
        masked = mask_secrets(fixtures.secret())
        self.assertEqual(masked["data"], {"password": REDACTED})
        self.assertEqual(masked["stringData"], {"api-key": REDACTED})

    def test_it_redacts_the_last_applied_annotation_that_holds_the_data_in_clear(self) -> None:
        masked = mask_secrets(fixtures.secret())
        annotation = masked["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
        self.assertEqual(annotation, REDACTED)

    def test_it_redacts_service_account_token_annotations(self) -> None:
        annotations = mask_secrets(fixtures.service_account_token())["metadata"]["annotations"]
        self.assertEqual(set(annotations.values()), {REDACTED})

    def test_it_recognises_the_kind_in_any_case(self) -> None:
        secret = fixtures.secret()
        secret["kind"] = "SECRET"
        self.assertEqual(mask_secrets(secret)["data"]["password"], REDACTED)

    def test_it_masks_secrets_inside_lists_whose_items_carry_no_kind(self) -> None:
        items = [fixtures.secret(), fixtures.service_account_token()]
        for item in items:
            del item["kind"]
        masked = mask_secrets({"kind": "SecretList", "apiVersion": "v1", "items": items})
        self.assertNotIn(SECRET_VALUES[0], json.dumps(masked))
        self.assertNotIn(SECRET_VALUES[2], json.dumps(masked))

    def test_it_masks_secrets_inside_a_mixed_list(self) -> None:
        masked = mask_secrets({"kind": "List", "items": [fixtures.secret(), fixtures.deployment()]})
        self.assertEqual(masked["items"][0]["data"]["password"], REDACTED)
        self.assertEqual(masked["items"][1]["metadata"]["name"], "web")

    def test_it_masks_secrets_at_any_depth_of_nested_lists(self) -> None:
        kindless = fixtures.secret()
        del kindless["kind"]
        nested = {
            "apiVersion": "v1",
            "kind": "List",
            "items": [
                {"kind": "List", "items": [{"kind": "List", "items": [fixtures.secret()]}]},
                {"apiVersion": "v1", "kind": "secretlist", "items": [kindless]},
            ],
        }
        self.assertNotIn(SECRET_VALUES[0], json.dumps(mask_secrets(nested)))
        self.assertNotIn(SECRET_VALUES[1], json.dumps(mask_secrets(nested)))

    def test_an_item_of_a_plain_list_with_no_kind_of_its_own_is_masked_as_a_possible_secret(self) -> None:
        kindless = fixtures.secret()
        del kindless["kind"]
        masked = mask_secrets({"apiVersion": "v1", "kind": "List", "items": [kindless]})
        self.assertEqual(masked["items"][0]["data"], {"password": REDACTED})
        configmaps = {"kind": "ConfigMapList", "items": [{"metadata": {"name": "c"}, "data": {"k": "v"}}]}
        self.assertEqual(mask_secrets(configmaps)["items"][0]["data"], {"k": "v"})

    def test_a_secret_that_also_carries_items_is_still_masked(self) -> None:
        secret = fixtures.secret()
        secret["items"] = []
        self.assertEqual(mask_secrets(secret)["data"], {"password": REDACTED})

    def test_data_that_is_not_a_map_is_redacted_whole(self) -> None:
        secret = {"kind": "Secret", "data": ["in-a-list"], "stringData": "as-a-string"}
        masked = mask_secrets(secret)
        self.assertEqual((masked["data"], masked["stringData"]), (REDACTED, REDACTED))

    def test_it_never_mutates_its_input(self) -> None:
        secret = fixtures.secret()
        before = copy.deepcopy(secret)
        mask_secrets({"kind": "List", "items": [secret]})
        mask_secrets(secret)
        self.assertEqual(secret, before)

    def test_it_leaves_configmaps_alone(self) -> None:
        configmap = {"kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}
        self.assertEqual(mask_secrets(configmap)["data"], {"k": "v"})

    def test_it_masks_every_secret_value_in_every_form(self) -> None:
        secrets = [fixtures.secret(), fixtures.service_account_token()]
        rendered = [
            render_table(secrets, kind="Secret", wide=wide, all_namespaces=True, now=NOW, include_labels=True)
            for wide in (False, True)
        ]
        rendered.append(summarize(secrets, kind="Secret"))
        for secret in secrets:
            masked = mask_secrets(secret)
            for form in OUTPUT_FORMS:
                rendered += [to_yaml(prune(masked, form)), to_json(prune(masked, form))]
            rendered.append(render_describe(secret, events=[], related={}, now=NOW))
        for text in rendered:
            for value in SECRET_VALUES:
                self.assertNotIn(value, text)
            self.assertNotIn("service-account.uid: 3c2b", text)

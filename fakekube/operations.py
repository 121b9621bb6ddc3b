"""The REST semantics of every resource: get, list, create, update, patch, apply, delete,
independent of HTTP so the handlers stay thin and tests can arrange state through the same path.
"""

from __future__ import annotations

import builtins
import copy
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from . import fieldmanager, patches
from .conversions import to_served, to_stored
from .decoding import check_fields, decode
from .defaults import apply_defaults
from .deletion import Deleter
from .objects import bump_generation, carry_server_fields, check_identity, prepare_new, without_nulls
from .selectors import SelectorError, fields_match, labels_match, parse_field_selector, parse_label_selector
from .status import ApiError, not_found_error
from .store import Page, Store, continue_resource_version, paginate
from .types import ResourceType, TypeRegistry

if TYPE_CHECKING:
    from .controllers import Controllers

# Kinds whose DELETE answers with the deleted object rather than a Status (ReturnDeletedObject in the registry).
RETURNS_DELETED_OBJECT = {
    ("", "pods"),
    ("", "services"),
    ("", "serviceaccounts"),
    ("", "namespaces"),
    ("storage.k8s.io", "storageclasses"),
}


@dataclass(frozen=True)
class WriteOptions:
    dry_run: bool = False
    field_manager: str = ""
    force: bool = False
    # `Strict`, `Warn` or `Ignore` for API writes (see `decoding`); empty for the fake's own writes.
    field_validation: str = ""
    # Filled with what the response's `Warning` headers must say.
    warnings: builtins.list[str] = field(default_factory=builtins.list, compare=False)

    def internal(self) -> WriteOptions:
        """The same options once the body has been decoded (warnings still collected in the same list)."""
        return replace(self, field_validation="")


def manager_from_user_agent(user_agent: str) -> str:
    """The default field manager: the user agent up to its first `/`, as the real server derives it."""
    return (user_agent or "unknown").split("/", 1)[0][:128]


class Operations:
    """Storage semantics over the type registry; hooks let controllers and CRDs react to writes."""

    def __init__(self, registry: TypeRegistry, store: Store) -> None:
        self.registry = registry
        self.store = store
        self.controllers: Controllers | None = None
        self.deleter = Deleter(self)
        self.admission: builtins.list[Callable[[ResourceType, dict[str, Any] | None, dict[str, Any]], None]] = []
        # Validators run on API writes only; admission (which may also fill in fields) runs on add_object too.
        self.validators: builtins.list[Callable[[ResourceType, dict[str, Any] | None, dict[str, Any]], None]] = []
        # The structural schema of a custom resource's version (set by `crds.CustomResources`).
        self.custom_schema: Callable[[ResourceType], dict[str, Any] | None] = lambda resource_type: None
        self.after_write: builtins.list[
            Callable[[ResourceType, dict[str, Any] | None, dict[str, Any] | None], None]
        ] = []

    # -- reads -------------------------------------------------------------------------------------

    def get(self, resource_type: ResourceType, namespace: str | None, name: str) -> dict[str, Any]:
        obj = self.store.get(*resource_type.stored_as, self._ns(resource_type, namespace), name)
        if obj is None:
            raise self.not_found(resource_type, name)
        return obj

    def list(
        self,
        resource_type: ResourceType,
        namespace: str | None,
        label_selector: str = "",
        field_selector: str = "",
        limit: int = 0,
        continue_token: str | None = None,
    ) -> Page:
        try:
            labels = parse_label_selector(label_selector) if label_selector else []
            fields = (
                parse_field_selector(field_selector, resource_type.group, resource_type.plural)
                if field_selector
                else []
            )
        except SelectorError as error:
            raise ApiError(400, str(error), "BadRequest") from error
        scope = namespace if resource_type.namespaced else None
        with self.store.lock:
            oldest = self.store.oldest_resource_version()
            if continue_token:
                # Every page of a paged list shows the cluster as it was when the first page was served.
                resource_version = continue_resource_version(continue_token, oldest)
                items = self.store.items_at(*resource_type.stored_as, scope, resource_version)
            else:
                items = self.store.items(*resource_type.stored_as, scope)
                resource_version = self.store.resource_version
        if labels:
            items = [obj for obj in items if labels_match(labels, obj)]
        if fields:
            items = [obj for obj in items if fields_match(fields, obj)]
        return paginate(items, resource_version, limit, continue_token, oldest)

    # -- writes ------------------------------------------------------------------------------------

    def create(
        self,
        resource_type: ResourceType,
        namespace: str | None,
        body: dict[str, Any],
        options: WriteOptions = WriteOptions(),
        manager: str = "",
    ) -> dict[str, Any]:
        check_identity(resource_type, body, namespace)
        if options.field_validation:
            body = check_fields(
                resource_type, body, options.field_validation, options.warnings, self.custom_schema(resource_type)
            )
            options = options.internal()
        if resource_type.stored_with:
            return self.create(
                self._storage_type(resource_type), namespace, to_stored(body, resource_type), options, manager
            )
        namespace = self._ns(resource_type, namespace or (body.get("metadata") or {}).get("namespace"))
        with self.store.lock:
            self.require_namespace(resource_type, namespace, (body.get("metadata") or {}).get("name") or "")
            obj = prepare_new(resource_type, copy.deepcopy(body), namespace)
            existing = self.store.get(*resource_type.stored_as, namespace, obj["metadata"]["name"])
            if existing is not None:
                raise ApiError(
                    409,
                    f'{resource_type.group_resource} "{obj["metadata"]["name"]}" already exists',
                    "AlreadyExists",
                    name=obj["metadata"]["name"],
                    group=resource_type.group,
                    kind=resource_type.plural,
                )
            if self._has_status(resource_type) and resource_type.plural != "pods":
                obj.pop("status", None)
            obj = apply_defaults(resource_type.group, resource_type.plural, obj)
            for check in self.validators:
                check(resource_type, None, obj)
            for admit in self.admission:
                admit(resource_type, None, obj)
            if manager:
                fieldmanager.record_update(None, obj, manager)
            if options.dry_run:
                return obj
            stored = self.store.put(*resource_type.stored_as, obj, "ADDED")
            self.notify(resource_type, None, stored)
            return stored

    def update(
        self,
        resource_type: ResourceType,
        namespace: str | None,
        name: str,
        body: dict[str, Any],
        options: WriteOptions = WriteOptions(),
        manager: str = "",
        subresource: str = "",
    ) -> dict[str, Any]:
        check_identity(resource_type, body, namespace, name)
        if options.field_validation:
            body = check_fields(
                resource_type, body, options.field_validation, options.warnings, self.custom_schema(resource_type)
            )
            options = options.internal()
        if resource_type.stored_with:
            return self.update(
                self._storage_type(resource_type),
                namespace,
                name,
                to_stored(body, resource_type),
                options,
                manager,
                subresource,
            )
        with self.store.lock:
            old = self.get(resource_type, namespace, name)
            return self._replace(resource_type, old, copy.deepcopy(body), options, manager, subresource)

    def patch(
        self,
        resource_type: ResourceType,
        namespace: str | None,
        name: str,
        patch_type: str,
        patch: Any,
        options: WriteOptions = WriteOptions(),
        manager: str = "",
        subresource: str = "",
    ) -> tuple[dict[str, Any], bool]:
        """Apply a patch; returns (object, created) since server-side apply may create."""
        with self.store.lock:
            if patch_type == patches.APPLY_PATCH:
                if options.field_validation and isinstance(patch, dict):
                    patch = self._typed_apply(resource_type, patch, options.field_validation)
                if resource_type.stored_with and isinstance(patch, dict):
                    check_identity(resource_type, patch, namespace, name)
                    resource_type, patch = self._storage_type(resource_type), to_stored(patch, resource_type)
                return self._apply(resource_type, namespace, name, patch, options, subresource)
            old = self.get(resource_type, namespace, name)
            current = copy.deepcopy(to_served(old, resource_type))
            if patch_type == patches.MERGE_PATCH:
                patched = patches.json_merge_patch(current, patch)
            elif patch_type == patches.JSON_PATCH:
                patched = patches.json_patch(current, patch)
            elif patch_type == patches.STRATEGIC_PATCH and not resource_type.custom:
                patched = patches.strategic_merge_patch(current, patch)
            else:
                raise unsupported_patch(resource_type)
            if not isinstance(patched, dict):
                raise ApiError(422, "the patched object is not a JSON object", "Invalid")
            check_identity(resource_type, patched, namespace, name)
            if options.field_validation:
                patched = check_fields(
                    resource_type,
                    patched,
                    options.field_validation,
                    options.warnings,
                    self.custom_schema(resource_type),
                )
            if resource_type.stored_with:
                resource_type, patched = self._storage_type(resource_type), to_stored(patched, resource_type)
            return self._replace(resource_type, old, patched, options, manager, subresource), False

    def _typed_apply(self, resource_type: ResourceType, applied: dict[str, Any], mode: str) -> dict[str, Any]:
        """Server-side apply converts the configuration to a typed object first; an unknown field fails that."""
        decoded = decode(resource_type, applied, self.custom_schema(resource_type))
        if decoded.unknown and mode != "Ignore":
            paths = ", ".join(f".{path}" for path in decoded.unknown)
            raise ApiError(
                400,
                f"failed to create typed patch object ({resource_type.group}/{resource_type.version}, Kind={resource_type.kind}): "
                f"{paths}: field not declared in schema",
                "BadRequest",
            )
        return decoded.body

    def _apply(
        self,
        resource_type: ResourceType,
        namespace: str | None,
        name: str,
        applied: Any,
        options: WriteOptions,
        subresource: str,
    ) -> tuple[dict[str, Any], bool]:
        if not options.field_manager:
            raise ApiError(400, "PATCH, application/apply-patch+yaml requires fieldManager to be set", "BadRequest")
        if not isinstance(applied, dict):
            raise ApiError(400, "the applied configuration must be an object", "BadRequest")
        check_identity(resource_type, applied, namespace, name)
        if not applied.get("apiVersion") or not applied.get("kind"):
            raise ApiError(400, "apiVersion and kind must be set in an applied configuration", "BadRequest")
        live = self.store.get(*resource_type.stored_as, self._ns(resource_type, namespace), name)
        if live is None:
            if subresource:
                raise self.not_found(resource_type, name)
            body = copy.deepcopy(applied)
            body.setdefault("metadata", {})["name"] = name
            created = self.create(resource_type, namespace, body, WriteOptions(dry_run=True))
            merged = fieldmanager.apply_ownership(None, applied, created, options.field_manager, options.force)
            if options.dry_run:
                return merged, True
            stored = self.store.put(*resource_type.stored_as, merged, "ADDED")
            self.notify(resource_type, None, stored)
            return stored, True
        merged = patches.structural_merge(copy.deepcopy(live), applied)
        merged = fieldmanager.apply_ownership(live, applied, merged, options.field_manager, options.force, subresource)
        return self._replace(resource_type, live, merged, options, "", subresource, applying=True), False

    def _replace(
        self,
        resource_type: ResourceType,
        old: dict[str, Any],
        body: dict[str, Any],
        options: WriteOptions,
        manager: str,
        subresource: str,
        applying: bool = False,
    ) -> dict[str, Any]:
        sent_version = (body.get("metadata") or {}).get("resourceVersion")
        if sent_version and sent_version != old["metadata"]["resourceVersion"]:
            raise self.conflict(resource_type, old["metadata"]["name"])
        new = carry_server_fields(old, body)
        if subresource == "status":
            new = {
                **old,
                "status": new.get("status"),
                "metadata": {**old["metadata"], "managedFields": new["metadata"].get("managedFields")},
            }
            if new["metadata"]["managedFields"] is None:
                new["metadata"].pop("managedFields")
        elif self._has_status(resource_type) and resource_type.plural != "pods":
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        new = apply_defaults(resource_type.group, resource_type.plural, new)
        bump_generation(old, new)
        if subresource != "status":
            for check in self.validators:
                check(resource_type, old, new)
        for admit in self.admission:
            admit(resource_type, old, new)
        if manager and not applying:
            fieldmanager.record_update(old, new, manager, subresource)
        unchanged = {**new, "metadata": {**new["metadata"], "resourceVersion": old["metadata"]["resourceVersion"]}}
        if without_nulls(unchanged) == without_nulls(old):
            return old
        if options.dry_run:
            new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
            return new
        stored = self.store.put(*resource_type.stored_as, new, "MODIFIED")
        self.notify(resource_type, old, stored)
        if stored["metadata"].get("deletionTimestamp") and not stored["metadata"].get("finalizers"):
            # The last finalizer of a terminating object was removed: deletion completes now.
            self.deleter.finish(resource_type, stored["metadata"].get("namespace"), stored["metadata"]["name"])
        return stored

    def delete(
        self,
        resource_type: ResourceType,
        namespace: str | None,
        name: str,
        dry_run: bool = False,
        preconditions: dict[str, Any] | None = None,
        propagation: str | None = None,
        grace_period_seconds: int | None = None,
    ) -> dict[str, Any]:
        """Delete and return the deleted object (handlers decide between object and Status); see `deletion`."""
        return self.deleter.delete(
            resource_type, namespace, name, dry_run, preconditions, propagation, grace_period_seconds
        )

    def delete_collection(
        self,
        resource_type: ResourceType,
        namespace: str | None,
        label_selector: str,
        field_selector: str,
        dry_run: bool,
    ) -> builtins.list[dict[str, Any]]:
        page = self.list(resource_type, namespace, label_selector, field_selector)
        return [
            self.delete(resource_type, obj["metadata"].get("namespace"), obj["metadata"]["name"], dry_run)
            for obj in page.items
        ]

    # -- helpers -----------------------------------------------------------------------------------

    def require_namespace(self, resource_type: ResourceType, namespace: str | None, name: str = "") -> None:
        if not resource_type.namespaced:
            return
        if not namespace:
            raise ApiError(400, "the namespace of the object must be set", "BadRequest")
        found = self.store.get("", "namespaces", None, namespace)
        if found is None:
            raise ApiError(404, f'namespaces "{namespace}" not found', "NotFound", name=namespace, kind="namespaces")
        if (found.get("status") or {}).get("phase") == "Terminating":
            target = f'{resource_type.group_resource} "{name}"' if name else resource_type.group_resource
            raise ApiError(
                403,
                f"{target} is forbidden: unable to create new content in namespace {namespace} because it is "
                "being terminated",
                "Forbidden",
                name=name,
                group=resource_type.group,
                kind=resource_type.plural,
            )

    def not_found(self, resource_type: ResourceType, name: str) -> ApiError:
        return not_found_error(resource_type.group_resource, name, resource_type.group, resource_type.plural)

    def conflict(self, resource_type: ResourceType, name: str) -> ApiError:
        return ApiError(
            409,
            f'Operation cannot be fulfilled on {resource_type.group_resource} "{name}": the object '
            "has been modified; please apply your changes to the latest version and try again",
            "Conflict",
            name=name,
            group=resource_type.group,
            kind=resource_type.plural,
        )

    def _storage_type(self, resource_type: ResourceType) -> ResourceType:
        found = self.registry.by_resource(*resource_type.stored_as)
        assert found is not None
        return found

    @staticmethod
    def _ns(resource_type: ResourceType, namespace: str | None) -> str | None:
        return namespace if resource_type.namespaced else None

    @staticmethod
    def _has_status(resource_type: ResourceType) -> bool:
        return resource_type.subresource("status") is not None

    def notify(self, resource_type: ResourceType, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        """After a stored write (new) or delete (new is None): CRD registration, then the controllers."""
        for hook in self.after_write:
            hook(resource_type, old, new)
        if self.controllers is not None:
            self.controllers.reconcile(resource_type, old, new)


def unsupported_patch(resource_type: ResourceType) -> ApiError:
    accepted = [patches.JSON_PATCH, patches.MERGE_PATCH, patches.APPLY_PATCH]
    if not resource_type.custom:
        accepted.insert(2, patches.STRATEGIC_PATCH)
    return ApiError(
        415,
        "the body of the request was in an unknown format - accepted media types include: " + ", ".join(accepted),
        "UnsupportedMediaType",
    )

"""The REST surface: discovery and every resource verb at the real paths, turned into `Operations` calls."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import discovery, openapi, patches, subresources, tables, watch
from .decoding import field_validation_of, warning_headers
from .encoding import json_response, list_response, object_response, read_body
from .metrics import metrics_items
from .operations import RETURNS_DELETED_OBJECT, WriteOptions, manager_from_user_agent, unsupported_patch
from .request_info import REQUEST_INFO, SUBJECT, RequestInfo
from .request_options import dry_run_of, exact_version_of
from .selectors import SelectorError
from .status import ApiError
from .store import Page
from .types import ResourceType

if TYPE_CHECKING:
    from .cluster import FakeCluster

logger = logging.getLogger(__name__)

_PATCH_TYPES = {patches.MERGE_PATCH, patches.JSON_PATCH, patches.STRATEGIC_PATCH, patches.APPLY_PATCH}


def method_not_allowed() -> ApiError:
    return ApiError(405, "the server does not allow this method on the requested resource", "MethodNotAllowed")


def resource_not_found() -> ApiError:
    # The real generic 404 carries `details: {}`; client-go code such as `kubectl debug` reads it unguarded.
    return ApiError(404, "the server could not find the requested resource", "NotFound", empty_details=True)


class RestHandlers:
    """aiohttp entry points; one instance per served cluster."""

    def __init__(self, cluster: FakeCluster) -> None:
        self.cluster = cluster
        self.operations = cluster.operations
        self.store = cluster.store
        self.registry = cluster.registry

    async def version(self, request: web.Request) -> web.Response:
        return json_response(discovery.SERVER_VERSION)

    async def health(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def openapi_v2(self, request: web.Request) -> web.Response:
        if openapi.V2_PROTOBUF in request.headers.get("Accept", ""):
            return web.Response(body=openapi.v2_document_protobuf(), content_type=openapi.V2_PROTOBUF_RESPONSE)
        return json_response(openapi.v2_document())

    async def openapi_index(self, request: web.Request) -> web.Response:
        return json_response(openapi.index(self.registry))

    async def openapi_group_version(self, request: web.Request) -> web.Response:
        parts = request.match_info["path"].strip("/").split("/")
        document = None
        # Built on the first request for it (it imports the client's models): off the loop, so that other
        # requests are not held up meanwhile.
        if len(parts) == 2 and parts[0] == "api":
            document = await asyncio.to_thread(openapi.group_version_body, self.registry, "", parts[1])
        elif len(parts) == 3 and parts[0] == "apis":
            document = await asyncio.to_thread(openapi.group_version_body, self.registry, parts[1], parts[2])
        if document is None:
            return resource_not_found().response()
        return web.Response(body=document, headers={"Content-Type": "application/json"})

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        info = request[REQUEST_INFO]
        try:
            if not info.is_resource:
                return self._discovery(request, info)
            return await self._resource(request, info)
        except ApiError as error:
            return error.response()
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            # A body the fake could not make sense of: answer with a Status, as the real server does for 500s.
            logger.exception("fake API server failed on %s %s", request.method, request.path)
            return ApiError(
                500, f"Internal error occurred: {error!r}", "InternalError", causes=[{"message": repr(error)}]
            ).response()

    # -- discovery -----------------------------------------------------------------------------------

    def _discovery(self, request: web.Request, info: RequestInfo) -> web.Response:
        if request.method not in ("GET", "HEAD"):
            raise method_not_allowed()
        accept = request.headers.get("Accept", "")
        parts = [part for part in request.path.strip("/").split("/") if part]
        if parts == ["api"] or parts == ["apis"]:
            if discovery.wants_aggregated(accept):
                return json_response(
                    discovery.aggregated(self.registry, legacy=parts == ["api"]),
                    content_type=discovery.AGGREGATED_CONTENT_TYPE,
                )
            if parts == ["api"]:
                return json_response(discovery.api_versions(request.host))
            return json_response(discovery.api_group_list(self.registry))
        if parts == ["api", "v1"]:
            return json_response(discovery.resource_list(self.registry, "", "v1"))
        if len(parts) == 2 and parts[0] == "apis":
            versions = self.registry.groups().get(parts[1])
            if versions:
                return json_response(discovery.api_group(parts[1], versions))
        if len(parts) == 3 and parts[0] == "apis":
            found = discovery.resource_list(self.registry, parts[1], parts[2])
            if found:
                return json_response(found)
        raise resource_not_found()

    # -- resources -----------------------------------------------------------------------------------

    def _resolve(self, info: RequestInfo) -> ResourceType:
        resource_type = self.registry.lookup(info.group, info.version, info.resource)
        if resource_type is None:
            raise resource_not_found()
        return resource_type

    async def _resource(self, request: web.Request, info: RequestInfo) -> web.StreamResponse:
        resource_type = self._resolve(info)
        is_namespace = resource_type.group == "" and resource_type.plural == "namespaces"
        if info.namespace and not resource_type.namespaced and not is_namespace:
            raise resource_not_found()
        namespace = info.namespace if resource_type.namespaced else None
        if info.subresource:
            return await self._subresource(request, info, resource_type, namespace)
        if info.verb not in resource_type.verbs:
            raise method_not_allowed()
        if resource_type.group == "metrics.k8s.io":
            return self._metrics(request, info, resource_type, namespace)
        if resource_type.group in ("authorization.k8s.io", "authentication.k8s.io"):
            body = await read_body(request)
            return json_response(self.cluster.auth.review(request[SUBJECT], resource_type, body), 201)
        if info.verb == "get":
            obj = self.operations.get(resource_type, namespace, info.name)
            return self._object_or_table(request, resource_type, [obj], obj)
        if info.verb == "list":
            page = self._list(request, resource_type, namespace)
            return self._list_or_table(request, resource_type, page)
        if info.verb == "watch":
            return await watch.serve_watch(request, self.cluster, resource_type, namespace, info.name)
        if info.verb == "create":
            if resource_type.namespaced and not info.namespace:
                raise method_not_allowed()
            options = self._write_options(request)
            body = await read_body(request)
            obj = self.operations.create(resource_type, namespace, body, options, self._manager(request))
            return object_response(self.store, obj, resource_type, 201, warning_headers(options.warnings))
        if info.verb == "update":
            options = self._write_options(request)
            body = await read_body(request)
            obj = self.operations.update(resource_type, namespace, info.name, body, options, self._manager(request))
            return object_response(self.store, obj, resource_type, headers=warning_headers(options.warnings))
        if info.verb == "patch":
            options = self._write_options(request)
            obj, created = await self._patch(request, info, resource_type, namespace, options)
            return object_response(
                self.store, obj, resource_type, 201 if created else 200, warning_headers(options.warnings)
            )
        if info.verb == "delete":
            return await self._delete(request, info, resource_type, namespace)
        if info.verb == "deletecollection":
            dry_run = dry_run_of(request)
            deleted = self.operations.delete_collection(
                resource_type,
                namespace,
                request.query.get("labelSelector", ""),
                request.query.get("fieldSelector", ""),
                dry_run,
            )
            return list_response(self.store, Page(deleted, self.store.resource_version, None, None), resource_type)
        raise method_not_allowed()

    def _list(self, request: web.Request, resource_type: ResourceType, namespace: str | None) -> Page:
        try:
            limit = int(request.query.get("limit", "0") or 0)
        except ValueError as error:
            raise ApiError(400, f"limit: Invalid value: {request.query.get('limit')!r}", "BadRequest") from error
        return self.operations.list(
            resource_type,
            namespace,
            request.query.get("labelSelector", ""),
            request.query.get("fieldSelector", ""),
            limit,
            request.query.get("continue") or None,
            exact_version_of(request.query.get("resourceVersion", ""), request.query.get("resourceVersionMatch", "")),
        )

    def _object_or_table(
        self, request: web.Request, resource_type: ResourceType, items: list[dict[str, Any]], obj: dict[str, Any]
    ) -> web.Response:
        if tables.wants_table(request.headers.get("Accept", "")):
            return json_response(
                tables.render(
                    resource_type,
                    items,
                    request.query.get("includeObject", "Metadata"),
                    obj["metadata"].get("resourceVersion", ""),
                    None,
                    self.cluster.custom_resources.printer_columns(resource_type),
                )
            )
        return object_response(self.store, obj, resource_type)

    def _list_or_table(self, request: web.Request, resource_type: ResourceType, page: Page) -> web.Response:
        if tables.wants_table(request.headers.get("Accept", "")):
            return json_response(
                tables.render(
                    resource_type,
                    page.items,
                    request.query.get("includeObject", "Metadata"),
                    str(page.resource_version),
                    page,
                    self.cluster.custom_resources.printer_columns(resource_type),
                )
            )
        return list_response(self.store, page, resource_type)

    @staticmethod
    def _write_options(request: web.Request) -> WriteOptions:
        """dryRun and fieldValidation of a create, update or patch (the field manager is the handler's)."""
        return WriteOptions(
            dry_run_of(request),
            field_validation=field_validation_of(request.query.get("fieldValidation")),
            force=request.query.get("force", "").lower() == "true",
        )

    def _manager(self, request: web.Request) -> str:
        return request.query.get("fieldManager") or manager_from_user_agent(request.headers.get("User-Agent", ""))

    async def _patch(
        self,
        request: web.Request,
        info: RequestInfo,
        resource_type: ResourceType,
        namespace: str | None,
        options: WriteOptions,
        subresource: str = "",
    ) -> tuple[dict[str, Any], bool]:
        patch_type = request.headers.get("Content-Type", "").split(";")[0].strip()
        if patch_type not in _PATCH_TYPES:
            raise unsupported_patch(resource_type)
        body = await read_body(request)
        if options.force and patch_type != patches.APPLY_PATCH:
            raise ApiError(
                422,
                'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
                "Invalid",
                group="meta.k8s.io",
                kind="PatchOptions",
            )
        manager = request.query.get("fieldManager", "")
        options = replace(options, field_manager=manager)
        return self.operations.patch(
            resource_type,
            namespace,
            info.name,
            patch_type,
            body,
            options,
            manager or self._manager(request),
            subresource,
        )

    async def _delete(
        self, request: web.Request, info: RequestInfo, resource_type: ResourceType, namespace: str | None
    ) -> web.Response:
        options = await read_body(request, allow_empty=True) or {}
        dry_run = dry_run_of(request) or options.get("dryRun") == ["All"]
        propagation = request.query.get("propagationPolicy") or options.get("propagationPolicy")
        grace = request.query.get("gracePeriodSeconds", options.get("gracePeriodSeconds"))
        try:
            grace_seconds = None if grace is None else int(grace)
        except (TypeError, ValueError) as error:
            raise ApiError(
                400, f'gracePeriodSeconds: Invalid value: "{grace}": not an integer', "BadRequest"
            ) from error
        obj = self.operations.delete(
            resource_type, namespace, info.name, dry_run, options.get("preconditions"), propagation, grace_seconds
        )
        if (resource_type.group, resource_type.plural) in RETURNS_DELETED_OBJECT or resource_type.custom:
            return object_response(self.store, obj, resource_type)
        body = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": {
                "name": info.name,
                **({"group": resource_type.group} if resource_type.group else {}),
                "kind": resource_type.plural,
                "uid": obj["metadata"]["uid"],
            },
        }
        return json_response(body)

    async def _subresource(
        self, request: web.Request, info: RequestInfo, resource_type: ResourceType, namespace: str | None
    ) -> web.StreamResponse:
        sub = resource_type.subresource(info.subresource)
        if sub is None or not info.name:
            raise resource_not_found()
        verb = info.verb if info.verb != "connect" else info.http_verb
        if verb not in sub.verbs:
            raise method_not_allowed()
        if sub.name == "status":
            if verb == "get":
                return object_response(
                    self.store, self.operations.get(resource_type, namespace, info.name), resource_type
                )
            options = self._write_options(request)
            if verb == "update":
                obj = self.operations.update(
                    resource_type,
                    namespace,
                    info.name,
                    await read_body(request),
                    options,
                    self._manager(request),
                    "status",
                )
            else:
                obj, _ = await self._patch(request, info, resource_type, namespace, options, "status")
            return object_response(self.store, obj, resource_type, headers=warning_headers(options.warnings))
        paths = self.cluster.custom_resources.scale_paths(resource_type)
        if sub.name == "scale" and ((resource_type.group, resource_type.plural) in subresources.SCALABLE or paths):
            if verb == "get":
                return json_response(
                    subresources.scale_of(self.operations.get(resource_type, namespace, info.name), paths)
                )
            dry_run = dry_run_of(request)
            options = WriteOptions(dry_run, self._manager(request))
            if verb == "update":
                scale = subresources.update_scale(
                    self.operations, resource_type, namespace, info.name, await read_body(request), options, paths
                )
            else:
                patch_type = request.headers.get("Content-Type", "").split(";")[0].strip()
                scale = subresources.patch_scale(
                    self.operations,
                    resource_type,
                    namespace,
                    info.name,
                    patch_type,
                    await read_body(request),
                    options,
                    paths,
                )
            return json_response(scale)
        if sub.name == "token" and namespace:
            dry_run = dry_run_of(request)
            result = subresources.issue_token(
                self.operations,
                self.cluster.auth,
                namespace,
                info.name,
                await read_body(request, allow_empty=True),
                dry_run,
            )
            return json_response(result, 201)
        if sub.name == "eviction" and namespace:
            dry_run = dry_run_of(request)
            result = subresources.evict(
                self.operations, namespace, info.name, await read_body(request, allow_empty=True), dry_run
            )
            return json_response(result, 201)
        raise resource_not_found()

    def _metrics(
        self, request: web.Request, info: RequestInfo, resource_type: ResourceType, namespace: str | None
    ) -> web.Response:
        try:
            items = metrics_items(self.store, resource_type, namespace, request.query.get("labelSelector", ""))
        except SelectorError as error:
            # As for any list: a selector the server cannot parse is the client's error (400), not a crash.
            raise ApiError(400, str(error), "BadRequest") from error
        if info.verb == "get":
            found = next((item for item in items if item["metadata"]["name"] == info.name), None)
            if found is None:
                raise ApiError(
                    404,
                    f'{resource_type.plural}.metrics.k8s.io "{info.name}" not found',
                    "NotFound",
                    name=info.name,
                    group="metrics.k8s.io",
                    kind=resource_type.plural,
                )
            return json_response(found)
        return json_response(
            {
                "kind": f"{resource_type.kind}List",
                "apiVersion": "metrics.k8s.io/v1beta1",
                "metadata": {},
                "items": items,
            }
        )

"""ASGI entry point: the Channels router in front of the MCP app and Django.

`/mcp` goes to the MCP SDK's streamable-HTTP app (wrapped for daphne and the web, see
mcpsite.mcp_http), `/mcp/read-only` to the same tools under a policy narrowed to reading; everything else (admin, OAuth, health, metrics) goes to Django.
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

from k8stools.management import allocator
from mcpsite.daphne_bodies import stop_form_parsing

allocator.tune()  # a bare `daphne mcpsite.asgi:application` worker too (`serve` has done it already: same values)
stop_form_parsing()
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mcpsite.settings")
django_application = get_asgi_application()

from django.conf import settings  # noqa: E402

from mcpsite.datadir import ensure_database_directory  # noqa: E402

ensure_database_directory(settings.DATABASES)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402 - Django must be set up first
from django.urls import path, re_path  # noqa: E402

from k8stools.kube import load_client_package  # noqa: E402
from mcpsite.mcp_endpoint import build_mcp_applications  # noqa: E402

mcp_application, read_only_mcp_application = build_mcp_applications()
load_client_package()

application = ProtocolTypeRouter(
    {
        "http": URLRouter(
            [
                # Channels routes to ASGI applications; django-stubs types path() for Django views only.
                path("mcp", mcp_application),  # type: ignore[arg-type]
                path("mcp/read-only", read_only_mcp_application),  # type: ignore[arg-type]
                re_path(r"", django_application),  # type: ignore[arg-type]
            ]
        ),
    }
)

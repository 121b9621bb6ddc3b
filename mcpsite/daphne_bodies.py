"""daphne's requests without Twisted's form parsing, which daphne never uses and which multiplies a body in memory.

daphne hands each request body to the ASGI application as it came. Its request class is Twisted's, which by default
also parses a POST body with a form Content-Type into `request.args`, before the application sees anything: for
`multipart/form-data` through the `email` package, with several copies of the body in memory. daphne never reads
`request.args`; Django parses forms itself, within its upload limits. Measured on a `manage.py serve` worker: one
50 MB multipart POST to any path (`/healthz` will do) raised its peak memory from 125 to 726 MB (the manifests
allow 384 MiB), against 179 MB with the same body as `application/octet-stream`. Every JSON POST also paid ~80 us
for the `email` package to parse its Content-Type.

Twisted's request takes `parsePOSTFormSubmission=False` for this; daphne builds its requests from the
`WebRequest` name of `daphne.http_protocol`, with no setting for it. So that name is bound to a subclass that
passes the flag, for `daphne mcpsite.asgi:application` (the image) and `manage.py serve` alike.
"""

from __future__ import annotations

import sys
from typing import Any


def stop_form_parsing() -> None:
    """Make every request daphne builds from now on skip Twisted's form parsing (once). A no-op in a process that
    daphne does not serve (another ASGI server, a test, stdio), which need not load Twisted for it."""
    if "daphne.server" not in sys.modules:
        return
    from daphne import http_protocol

    if getattr(http_protocol.WebRequest, "parses_forms", True) is False:
        return
    daphne_request = http_protocol.WebRequest

    class RequestWithoutFormParsing(daphne_request):  # type: ignore[misc, valid-type]
        parses_forms = False

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, parsePOSTFormSubmission=False, **kwargs)

    http_protocol.WebRequest = RequestWithoutFormParsing  # type: ignore[misc]

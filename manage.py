#!/usr/bin/env python
"""Django's command-line utility for kubemcp."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mcpsite.settings")
    # A checkout's development run: DEBUG on unless the environment says otherwise. An installed server
    # (the kubemcp command, the image, daphne on mcpsite.asgi) does not come through here: DEBUG stays off.
    os.environ.setdefault("DEBUG", "true")
    if sys.argv[1:2] == ["serve"] and "--demo" in sys.argv[2:]:
        # The demo keeps a database of its own; the settings choose it when they are read.
        os.environ["KUBEMCP_DEMO"] = "true"
    if sys.argv[1:2] == ["serve"]:
        from k8stools.management import allocator, start_gc

        start_gc.pause()  # until the server is built: `serve` resumes it
        allocator.tune()  # before any thread starts
    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        django.setup()
        from mcpsite.datadir import ensure_database_directory

        ensure_database_directory(settings.DATABASES)
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # A bad environment variable is the operator's to fix: one line that names it, no traceback.
        print(f"kubemcp: configuration error: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()

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
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # A bad environment variable is the operator's to fix: one line that names it, no traceback.
        print(f"kubemcp: configuration error: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()

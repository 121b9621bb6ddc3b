"""`python -m fakekube --port 8001 --kubeconfig /tmp/kc --pods 100 --namespaces 5`."""

from __future__ import annotations

import sys

from .cli import main

sys.exit(main())

"""The secret key of a server started without SECRET_KEY: random, made once, kept in the data directory.

An installed kubemcp starts in production mode (DEBUG off) with no configuration; it must not sign
sessions with a key published in the source. The first start writes 50 random bytes (base64) to
`DATA_DIR/secret_key`, readable by its owner only; later starts, and other workers sharing the
directory, read it. Workers that share no disk must be given the same SECRET_KEY.
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

MIN_LENGTH = 32
WAIT_STEPS = 40
WAIT_STEP_SECONDS = 0.05


def _read_written(path: Path) -> str:
    """The key in `path`, waiting briefly for a worker that has just created the file to finish writing it."""
    key = path.read_text().strip()
    for _ in range(WAIT_STEPS):
        if len(key) >= MIN_LENGTH:
            break
        time.sleep(WAIT_STEP_SECONDS)
        key = path.read_text().strip()
    return key


def stored_secret_key(path: Path) -> str:
    """The key kept at `path`, made there (mode 0600) if there is none yet."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = _read_written(path)
        else:
            key = base64.b64encode(secrets.token_bytes(50)).decode()
            with os.fdopen(descriptor, "w") as file:
                file.write(key + "\n")
    except OSError as error:
        raise ImproperlyConfigured(
            f"SECRET_KEY is not set and no key can be kept in {path} ({error.strerror}): set SECRET_KEY or DATA_DIR"
        ) from None
    if len(key) < MIN_LENGTH:
        # The file was truncated or never finished: better to stop than to sign with a guessable key.
        raise ImproperlyConfigured(f"SECRET_KEY is not set and {path} holds no usable key: set SECRET_KEY")
    return key

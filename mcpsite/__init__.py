"""The Django project that assembles kubemcp."""

import time

# When this process started, as near as Python can tell: the settings import this package first.
STARTED_AT = time.time()

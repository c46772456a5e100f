"""Whether the tests run in CI, where a test that cannot get what it needs fails
instead of being skipped."""

from __future__ import annotations

import os

# The same reading of CI as dev.py's (which must use only the standard library).
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

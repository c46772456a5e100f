"""Make the OU-style test image's build folder with the OU's own tool, ou-container-builder.

The tool turns ``recipes/ou/ContainerConfig.yaml`` into a two-stage Dockerfile and
the files it copies. Its output cannot be built here as it is, so three exact
changes are made to the Dockerfile, each of which must match once (a new version
of the tool that writes something else fails loudly instead of building
something untested):

1. ``FROM python:3.14-trixie`` (Docker Hub, not reachable) becomes the testbed's
   ``ou-python`` image: Debian trixie, the same release, with Debian's Python.
2. The build stage's ``curl … https://sh.rustup.rs | sh`` is dropped: it fetches a
   toolchain from the internet, and nothing this module installs needs Rust (every
   package has a wheel or builds with gcc).
3. ``COPY --chmod=0440`` needs BuildKit; the test engine (dockerd 20.10) builds
   with the classic builder, so the sudoers files are copied, then chmodded.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.testbed.tools import TestbedUnavailable

TOOL_BASE = "FROM python:3.14-trixie "
RUSTUP = "RUN curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y\n"
SUDOERS_COPY = 'COPY --chmod=0440 ["ou-builder-build/services/sudoers", "/etc/sudoers.d"]\n'
SUDOERS_FIXED = (
    'COPY ["ou-builder-build/services/sudoers", "/etc/sudoers.d"]\n'
    "RUN chmod 0440 /etc/sudoers.d/99-*\n"
)


def tool_version() -> str:
    from ou_container_builder.__about__ import __version__

    return str(__version__)


def patch_dockerfile(text: str, base_ref: str) -> str:
    """The tool's Dockerfile with the three changes above (see the module's notes)."""

    def replace(old: str, new: str, count: int) -> str:
        found = text.count(old)
        if found != count:
            raise TestbedUnavailable(
                f"ou-container-builder {tool_version()} wrote {found} of {old.strip()!r}, "
                f"expected {count}: tests/testbed/ou_builder.py needs a look"
            )
        return text.replace(old, new)

    text = replace(TOOL_BASE, f"FROM {base_ref} ", 2)  # the build and the deploy stage
    text = replace(RUSTUP, "", 1)
    text = replace(SUDOERS_COPY, SUDOERS_FIXED, 1)
    return text


def generate_context(recipe: Path, context: Path, base_ref: str) -> None:
    """Run the tool on ``recipe``'s ContainerConfig.yaml in ``context`` and patch its output."""
    shutil.rmtree(context, ignore_errors=True)
    context.mkdir(parents=True)
    shutil.copy(recipe / "ContainerConfig.yaml", context / "ContainerConfig.yaml")
    result = subprocess.run(
        [sys.executable, "-m", "ou_container_builder", "generate"],
        cwd=context, capture_output=True, text=True, check=False,
    )  # fmt: skip
    dockerfile = context / "Dockerfile"
    if result.returncode != 0 or not dockerfile.is_file():
        raise TestbedUnavailable(
            f"ou-container-builder generate failed: {result.stderr.strip()[-2000:]}"
        )
    dockerfile.write_text(patch_dockerfile(dockerfile.read_text(), base_ref))

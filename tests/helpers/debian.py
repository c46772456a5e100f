"""Debian programs a test needs, installed when it can be, else it fails in CI and is
skipped elsewhere."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.helpers.ci import IN_CI


def debian_tools(tools: dict[str, str], purpose: str) -> None:
    """Make sure the programs in ``tools`` (program -> Debian package) are here.

    As root on Debian the missing packages are installed with apt-get; otherwise the
    test fails in CI and is skipped elsewhere, saying what to install.
    """
    missing = sorted({package for tool, package in tools.items() if not shutil.which(tool)})
    if not missing:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
        if subprocess.run(command, capture_output=True, env=env, check=False).returncode:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env, check=False)
            subprocess.run(command, capture_output=True, env=env, check=False)
    still = [tool for tool in tools if not shutil.which(tool)]
    if still:
        reason = f"{purpose} needs {', '.join(still)} (Debian: apt-get install {' '.join(missing)})"
        if IN_CI:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)

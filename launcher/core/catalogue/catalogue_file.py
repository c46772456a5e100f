"""Read a catalogue file from this computer's disk, with a sentence for each way that fails."""

from __future__ import annotations

from pathlib import Path

from launcher.core.catalogue.model import MAX_CATALOGUE_BYTES, Catalogue, parse_catalogue_bytes
from launcher.core.errors import CatalogueError


def load_catalogue_file(path: Path) -> Catalogue:
    """Read and check the catalogue file at ``path``."""
    return parse_catalogue_bytes(read_catalogue_file(path), str(path))


def read_catalogue_file(path: Path) -> bytes:
    """The bytes of the catalogue file at ``path`` (at most one more than the limit)."""
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_CATALOGUE_BYTES + 1)
    except FileNotFoundError:
        problem = "does not exist"
    except IsADirectoryError:
        problem = "is a folder, not a file"
    except PermissionError:
        problem = "cannot be read (permission denied)"
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror or exc})"
    raise CatalogueError(
        f"The course catalogue {path} {problem}.",
        hint="Check the catalogue sources in the launcher's settings.",
    )

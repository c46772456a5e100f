"""Under a COURSE_LAUNCHER_HOME, purge removes only what the launcher writes there
(real files; no engine, so Docker is left as it is)."""

from __future__ import annotations

from pathlib import Path

from launcher.core.catalogue.model import Catalogue
from launcher.core.local.paths import app_paths
from launcher.core.local.purge import purge
from launcher.core.local.secrets import open_secret_store, token_for
from launcher.core.local.settings import Settings
from launcher.core.local.settings_file import save_settings


def test_files_the_launcher_did_not_make_stay(tmp_path: Path) -> None:
    home = tmp_path / "home"
    paths = app_paths({"COURSE_LAUNCHER_HOME": str(home)})
    save_settings(paths, Settings())
    store = open_secret_store(paths, backend="file")
    token_for(store, "c1")
    (paths.data / "imported").mkdir()
    (paths.data / "imported" / "c1.toml").write_text("schema = 1\n")
    (paths.data / "thesis.docx").write_bytes(b"years of work")
    (paths.cache / "catalogues").mkdir(parents=True)
    (paths.log).mkdir()
    (paths.log / "launcher.log").write_text("x\n")
    (paths.log / "launcher.log.1").write_text("x\n")

    report = purge(paths, Settings(), Catalogue(), store, None, home=home)

    assert (paths.data / "thesis.docx").read_bytes() == b"years of work"
    assert sorted(p.name for p in paths.data.iterdir()) == ["thesis.docx"]
    assert [k for k in report.kept if "did not make (thesis.docx)" in k]
    assert not paths.config.exists() and not paths.cache.exists() and not paths.log.exists()
    assert paths.data not in report.folders and paths.config in report.folders
    assert home.exists()  # it still holds the student's file

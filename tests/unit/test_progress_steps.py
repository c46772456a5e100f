"""The course page's words, worked out without a window: the next step's label, the
steps of an install or a start, and what "Copy for my tutor" copies."""

from __future__ import annotations

from launcher.core.environments.readiness import ServicesStarting
from launcher.core.images.pull_progress import PullPhase, PullProgress
from launcher.core.redaction import MASK
from launcher.ui.widgets.course_page import is_download, primary_label, progress_parts
from launcher.ui.widgets.details_panel import tutor_text
from launcher.ui.widgets.progress_steps import Journey, StepState, journey_steps, step_lines

SERVICES = ("Jupyter", "Database UI")
PULL = PullProgress(
    phase=PullPhase.DOWNLOADING, bytes_done=120_000_000, bytes_total=1_200_000_000,
    total_is_lower_bound=False, layers_done=3, layers_total=7, speed=4_000_000, eta=240,
)  # fmt: skip


def test_the_next_step_says_install_with_the_size_then_start() -> None:
    assert primary_label(False, 2_100_000_000) == "Install (2.1 GB)"
    assert primary_label(False, None) == "Install"  # the registry did not say
    assert primary_label(True, 2_100_000_000) == "Start"
    assert primary_label(None, None) == "Start"  # not asked yet: Start downloads first


def test_a_start_that_downloads_shows_the_download_with_bytes_speed_and_time_left() -> None:
    text, fraction = progress_parts(PULL)
    assert is_download(PULL) and not is_download(text) and fraction == 0.1
    steps = journey_steps(
        Journey.START, installed=False, downloading=True, progress_text=text,
        services=SERVICES, ready=frozenset(),
    )  # fmt: skip
    assert [(s.name, s.state) for s in steps] == [
        ("Download", StepState.NOW), ("Start", StepState.TODO), ("Ready", StepState.TODO)
    ]  # fmt: skip
    lines = step_lines(steps)
    assert lines[0] == "▶ Download"
    assert "120 MB of 1.2 GB" in lines[1] and "4.0 MB/s" in lines[1] and "4 min left" in lines[1]
    assert lines[2:] == ["○ Start", "○ Ready"]


def test_each_service_is_ticked_off_when_it_answers() -> None:
    steps = journey_steps(
        Journey.START, installed=True, downloading=False, progress_text="Starting Database UI… 4 s",
        services=SERVICES, ready=frozenset({"Jupyter"}),
    )  # fmt: skip
    assert steps[0].state is StepState.DONE and steps[1].state is StepState.NOW
    assert step_lines(steps) == [
        "✓ Download", "▶ Start", "    Starting Database UI… 4 s",
        "    ✓ Jupyter", "    … Database UI starting", "○ Ready",
    ]  # fmt: skip


def test_a_start_waiting_for_its_services_says_which_answer() -> None:
    progress = ServicesStarting(answered=("Database UI",), waiting=("Jupyter",), elapsed=4.2)
    assert progress_parts(progress) == ("Starting Jupyter… 4 s", None)
    assert str(progress) == "Starting Jupyter… 4 s"  # what the command line prints
    assert not is_download(progress)


def test_an_installed_course_starts_without_a_download_step_in_progress() -> None:
    steps = journey_steps(
        Journey.START, installed=True, downloading=False, progress_text="",
        services=SERVICES, ready=frozenset(),
    )  # fmt: skip
    assert steps[0].state is StepState.DONE and steps[1].state is StepState.NOW


def test_download_only_ends_installed() -> None:
    steps = journey_steps(
        Journey.INSTALL, installed=False, downloading=False, progress_text="",
        services=SERVICES, ready=frozenset(),
    )  # fmt: skip
    assert [s.name for s in steps] == ["Download", "Ready"]
    assert step_lines(steps)[1] == "    Looking up the course image…"


def test_copy_for_my_tutor_has_the_error_and_the_log_and_no_secret() -> None:
    log = "Jupyter is at http://127.0.0.1:8888/tree?token=abc123secret\nKernel died"
    text = tutor_text(
        "TEST1 24J — Jupyter", "exited", ("It stopped while starting.", "Try Reset."), log
    )
    assert "abc123secret" not in text and MASK in text
    for part in ("TEST1 24J", "exited", "It stopped while starting.", "Try Reset.", "Kernel died"):
        assert part in text
    assert "(none)" in tutor_text("TEST1", "running", None, "")

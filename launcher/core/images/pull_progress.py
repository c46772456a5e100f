"""Turn the engine's pull events into one :class:`PullProgress` a student can read.

Feed :class:`PullAggregator` each event of ``APIClient.pull(repo, tag=..., stream=True,
decode=True)``; every call returns an immutable snapshot (bytes and layers done and
to do, phase, rolling speed, ETA). Call :meth:`PullAggregator.finish` when the stream
ends without an error. Event shapes understood (the test data cites its sources):

* classic store (dockerd up to 28): ``Pulling fs layer``, ``Waiting``, ``Downloading``
  with ``progressDetail`` ``current``/``total``, ``Verifying Checksum``, ``Download
  complete``, ``Extracting`` (bytes), ``Pull complete``, ``Already exists``;
* containerd image store (Docker 24-29): the same words, plus ``Extracting`` with
  ``{"current": seconds, "units": "s"}``, a ``Downloading``-like ``Pulling layer fs``,
  and no layer events at all when everything is present;
* Podman's Docker-compatible API: ``Pulling fs layer`` / ``Download complete`` /
  ``Already exists`` per blob (``Already exists`` with no ``Pulling fs layer`` before
  it), often without bytes (counts of layers are used then), ``total: -1`` for an
  unknown size, and a last ``Download complete`` or ``Pull complete`` carrying the
  image id, not a layer. Podman 4.3 sends ``Downloading`` with bytes about once a
  second per layer, never quite up to the layer's size, and the config blob like a
  layer (pass its digest in ``ignore``; without it the config counts as one more
  layer); its image id is the config digest, so the last event names the config
  again. A layer's ``Download complete`` may come only once it is unpacked;
* ``error`` / ``errorDetail`` inside the 200 stream: raised as a typed error
  (:func:`launcher.core.images.pull_errors.engine_pull_error`).

Sizes from the registry manifest (``known_sizes``: layer digest or 12-hex short id →
bytes) make the total exact before the first byte. Layers that "Already exist" count
as done layers and leave the byte total: bytes count what is downloaded.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from launcher.core.images.pull_errors import engine_pull_error
from launcher.core.text import human_duration, human_size

SPEED_WINDOW = 5.0  # seconds the speed is averaged over
MIN_SPEED_SPAN = 1.0  # no speed (and no ETA) from less than this much time
_BYTE_UNITS = ("", "b", "byte", "bytes")


class PullPhase(StrEnum):
    RESOLVING = "resolving"  # asking the registry what to download
    DOWNLOADING = "downloading"
    EXTRACTING = "extracting"  # everything downloaded, the engine unpacks it
    DONE = "done"


@dataclass(frozen=True)
class PullProgress:
    phase: PullPhase
    bytes_done: int  # downloaded in this pull
    bytes_total: int  # to download in this pull (layers already present left out)
    total_is_lower_bound: bool  # some sizes are not known yet: show "at least"
    layers_done: int  # downloaded, or already present
    layers_total: int
    bytes_present: int = 0  # size of the layers that were already on this computer
    speed: float | None = None  # bytes per second over the last few seconds
    eta: float | None = None  # seconds left at that speed
    retry_in: int | None = None  # the connection was lost: the engine tries again in N s

    @property
    def bytes_left(self) -> int:
        return max(0, self.bytes_total - self.bytes_done)

    @property
    def fraction(self) -> float | None:
        """0…1 for a progress bar: by bytes when the total is known, else by layers."""
        if self.phase is PullPhase.DONE:
            return 1.0
        if self.bytes_total > 0 and not self.total_is_lower_bound:
            return min(1.0, self.bytes_done / self.bytes_total)
        if self.layers_total > 0:
            return self.layers_done / self.layers_total
        return None

    def describe(self) -> str:
        """One line, e.g. "Downloading 120 MB of 1.2 GB (3 of 7 parts), 4.0 MB/s, 4 min left"."""
        if self.phase is PullPhase.RESOLVING:
            return "Looking up the course image…"
        if self.phase is PullPhase.DONE:
            return "The course image is ready."
        parts = f"{self.layers_done} of {self.layers_total} parts"
        if self.phase is PullPhase.EXTRACTING:
            return f"Unpacking the course image ({parts} downloaded)…"
        at_least = "at least " if self.total_is_lower_bound else ""
        if self.bytes_total or self.bytes_done:
            text = f"Downloading {human_size(self.bytes_done)} of {at_least}"
            text += f"{human_size(self.bytes_total)} ({parts})"
        else:
            text = f"Downloading ({parts})"
        if self.retry_in is not None:  # dockerd retries for ~75 s before it gives up
            return (
                f"{text}. The connection to the image server was lost; Docker tries "
                f"again in {self.retry_in} s…"
            )
        if self.speed is not None:
            text += f", {human_size(self.speed)}/s"
        if self.eta is not None:
            text += f", {'at least ' if self.total_is_lower_bound else ''}"
            text += f"{human_duration(self.eta)} left"
        return text


def short_id(digest_or_id: str) -> str:
    """``sha256:4f53e2…`` or ``4f53e2…`` → the 12 hex digits the engine's events use."""
    return digest_or_id.rpartition(":")[2].strip().lower()[:12]


@dataclass
class _Layer:
    size: int | None  # compressed bytes, when known
    announced: bool = False  # the engine has mentioned it in this pull
    current: int = 0  # most bytes seen downloaded
    downloaded: bool = False
    present: bool = False  # "Already exists": nothing to download

    def bytes_done(self) -> int:
        if self.size is None:
            return self.current
        return self.size if self.downloaded else min(self.current, self.size)


def _number(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


class PullAggregator:
    """The running sum of one pull's events; not thread-safe (feed it from one thread)."""

    def __init__(
        self,
        known_sizes: Mapping[str, int] | None = None,
        *,
        ignore: Iterable[str] = (),
        image: str = "the course image",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``known_sizes``: layer digest (or short id) → compressed size, from the
        manifest. ``ignore``: blobs that are not layers (the config digest, which
        Podman reports like a layer). ``image`` is named in error messages."""
        self._manifest_known = known_sizes is not None
        self._layers: dict[str, _Layer] = {
            short_id(key): _Layer(size=max(0, int(size)))
            for key, size in (known_sizes or {}).items()
        }
        self._ignored = {short_id(key) for key in ignore}
        self._image = image
        self._clock = clock
        self._samples: deque[tuple[float, int]] = deque()
        self._finished = False
        self._retrying: dict[str, int] = {}  # layer -> seconds until the engine retries
        self._best_done = 0

    # --- feeding -------------------------------------------------------------

    def feed(self, event: Mapping[str, object]) -> PullProgress:
        """Take one decoded event; raise the typed error if it reports one."""
        self._raise_if_error(event)
        status = str(event.get("status") or "").strip()
        key = status.lower()
        raw_id = event.get("id")
        layer_id = short_id(raw_id) if isinstance(raw_id, str) else ""
        if key.startswith("status:"):
            if "up to date" in key:  # nothing was downloaded: every layer was there
                for layer in self._layers.values():
                    layer.present = layer.present or not layer.announced
            return self.finish()
        if key.startswith("retrying in") and layer_id:
            # "Retrying in 5 seconds", counting down, then 10, 15, 20, 25 (classic store)
            seconds = next((int(word) for word in key.split() if word.isdigit()), None)
            self._retrying[layer_id] = seconds if seconds is not None else 0
            return self.snapshot()
        if layer_id:
            self._retrying.pop(layer_id, None)
        if layer_id and not key.startswith("pulling from") and layer_id not in self._ignored:
            detail = event.get("progressDetail")
            self._layer_event(key, layer_id, detail if isinstance(detail, Mapping) else {})
        return self.snapshot()

    def feed_all(self, events: Iterable[Mapping[str, object]]) -> PullProgress:
        """Feed a whole stream and finish it (for tests and non-interactive callers)."""
        for event in events:
            self.feed(event)
        return self.finish()

    def finish(self) -> PullProgress:
        """The stream ended without an error: everything is downloaded and unpacked."""
        if not self._finished:
            self._finished = True
            for layer in self._layers.values():
                if not layer.announced:  # never mentioned: the engine had it already
                    layer.present = True
                layer.downloaded = True
                if layer.size is None:
                    layer.size = layer.current
        return self.snapshot()

    def _raise_if_error(self, event: Mapping[str, object]) -> None:
        detail = event.get("errorDetail")
        message = event.get("error") or (
            detail.get("message") if isinstance(detail, Mapping) else None
        )
        if message:
            now = self.snapshot()
            raise engine_pull_error(
                str(message), self._image, now.bytes_left or None, now.bytes_total or None
            )

    def _layer_event(self, key: str, layer_id: str, detail: Mapping[object, object]) -> None:
        current = _number(detail.get("current"))
        total = _number(detail.get("total"))
        units = str(detail.get("units") or "").lower()
        byte_progress = current is not None and units in _BYTE_UNITS and key != "extracting"
        layer = self._layers.get(layer_id)
        if layer is None:
            announcing = key in ("pulling fs layer", "waiting", "already exists") or byte_progress
            if not announcing:  # e.g. Podman's final "Download complete" with the image id
                return
            layer = self._layers[layer_id] = _Layer(size=None)
        layer.announced = True
        if key == "already exists":
            layer.present = layer.downloaded = True
        elif key in ("verifying checksum", "download complete", "extracting", "pull complete"):
            layer.downloaded = True
            if layer.size is None and layer.current:
                layer.size = layer.current
        elif byte_progress and current is not None:
            layer.current = max(layer.current, current)
            if layer.size is None and total is not None and total > 0:
                layer.size = total
        self._record_sample()

    # --- reading -------------------------------------------------------------

    def _totals(self) -> tuple[int, int, int, bool]:
        done = total = present = 0
        unknown = False
        for layer in self._layers.values():
            if layer.present:
                present += layer.size or 0
                continue
            done += layer.bytes_done()
            total += layer.size if layer.size is not None else layer.current
            unknown = unknown or layer.size is None
        lower_bound = not self._finished and (unknown or not self._manifest_known)
        return done, max(total, done), present, lower_bound

    def _record_sample(self) -> None:
        now = self._clock()
        done = self._totals()[0]
        if not self._samples or self._samples[-1][1] != done:
            self._samples.append((now, done))
        while len(self._samples) > 1 and self._samples[1][0] <= now - SPEED_WINDOW:
            self._samples.popleft()

    def _speed(self, now: float, done: int) -> float | None:
        """Average bytes/s over the last ``SPEED_WINDOW`` s (downloaded bytes step at samples)."""
        if not self._samples:
            return None
        start = now - SPEED_WINDOW
        since, base = self._samples[0]
        for when, value in self._samples:
            if when > start:
                break
            since, base = start, value
        span = now - since
        return (done - base) / span if span >= MIN_SPEED_SPAN else None

    def _phase(self) -> PullPhase:
        if self._finished:
            return PullPhase.DONE
        if not any(layer.announced for layer in self._layers.values()):
            return PullPhase.RESOLVING
        if all(layer.downloaded for layer in self._layers.values()):
            return PullPhase.EXTRACTING
        return PullPhase.DOWNLOADING

    def snapshot(self) -> PullProgress:
        """The state now; speed and ETA as of the clock's current time."""
        done, total, present, lower_bound = self._totals()
        self._best_done = done = max(done, self._best_done)  # never shown going back
        phase = self._phase()
        speed = eta = None
        if phase is PullPhase.DOWNLOADING:
            speed = self._speed(self._clock(), done)
            if speed is not None and speed > 0:
                eta = (total - done) / speed
        layers = self._layers.values()
        return PullProgress(
            phase=phase,
            bytes_done=done,
            bytes_total=max(total, done),
            total_is_lower_bound=lower_bound,
            layers_done=sum(1 for layer in layers if layer.downloaded or layer.present),
            layers_total=len(self._layers),
            bytes_present=present,
            speed=None if self._retrying else speed,
            eta=None if self._retrying else eta,
            retry_in=min(self._retrying.values()) if self._retrying else None,
        )

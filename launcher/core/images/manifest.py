"""What a course image is made of, as a registry describes it: manifests and platforms.

The model :class:`ImageManifest` (layer digests and sizes, config digest, digests of
the manifest and of the list it was chosen from) and the two decisions made on a
registry's answers: which entry of a manifest list / OCI index suits this computer
(:func:`choose_entry`, attestation entries skipped), and reading a manifest's layers
(:func:`read_layers`). The HTTP side is :mod:`launcher.core.images.registry`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from launcher.core.errors import RegistryError, UnsupportedPlatform
from launcher.core.images.reference import ImageReference

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
ACCEPT = ", ".join((OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST))
REFERENCE_TYPE = "vnd.docker.reference.type"  # annotation marking attestation entries


@dataclass(frozen=True)
class Platform:
    """An image platform such as ``linux/amd64`` or ``linux/arm64/v8`` (the engine's)."""

    os: str
    architecture: str
    variant: str | None = None

    @classmethod
    def parse(cls, text: str) -> Platform:
        parts = text.strip().lower().split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f'"{text}" is not a platform like "linux/amd64"')
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else None)

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)

    def match(self, other: Mapping[str, Any]) -> int:
        """How well a manifest list's ``platform`` suits this one: 0 not at all, 2 exactly."""
        if (other.get("os"), other.get("architecture")) != (self.os, self.architecture):
            return 0
        defaults = {"arm64": "v8"}
        mine = self.variant or defaults.get(self.architecture)
        theirs = other.get("variant") or defaults.get(self.architecture)
        if mine == theirs:
            return 2
        if mine is None or theirs is None:
            return 1
        # 32-bit ARM runs older variants: an armv7 engine runs v6 and v5 images.
        return 1 if self.architecture == "arm" and str(theirs) < mine else 0


@dataclass(frozen=True)
class Layer:
    digest: str
    size: int  # compressed bytes, as downloaded
    media_type: str


@dataclass(frozen=True)
class ImageManifest:
    reference: ImageReference
    digest: str  # what the reference points to (a list or a manifest): the engine's RepoDigest
    manifest_digest: str  # this platform's manifest (the same as ``digest`` without a list)
    media_type: str
    config_digest: str
    layers: tuple[Layer, ...]
    platform: Platform | None = None  # the entry chosen from a list; None without a list

    @property
    def total_size(self) -> int:
        return sum(layer.size for layer in {layer.digest: layer for layer in self.layers}.values())

    @property
    def layer_sizes(self) -> dict[str, int]:
        """Layer digest → size: the ``known_sizes`` of a :class:`PullAggregator`."""
        return {layer.digest: layer.size for layer in self.layers}


def unusable(ref: ImageReference, what: str) -> RegistryError:
    return RegistryError(
        f"The course image server {ref.registry} sent {what} for {ref.familiar}.",
        "Press Retry. If it happens again, tell your tutor: the image may need republishing.",
    )


def _usable_entries(entries: object) -> Iterator[tuple[dict[str, Any], Platform]]:
    """A manifest list's or OCI index's image entries with their platforms: attestation
    entries (annotated, or "unknown/unknown" from older builders) left out."""
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("digest"), str):
            continue
        annotations, wanted = entry.get("annotations") or {}, entry.get("platform") or {}
        if annotations.get(REFERENCE_TYPE) == "attestation-manifest":
            continue
        here = Platform(
            str(wanted.get("os")), str(wanted.get("architecture")), wanted.get("variant")
        )
        if "unknown" not in (here.os, here.architecture):
            yield entry, here


def listed_platforms(entries: object) -> tuple[Platform, ...]:
    """The platforms a manifest list or OCI index offers (attestation entries skipped)."""
    found: list[Platform] = []
    for _entry, here in _usable_entries(entries):
        if here not in found:
            found.append(here)
    return tuple(found)


def config_platform(config: Mapping[str, Any]) -> Platform | None:
    """The platform an image's config blob names (a single-platform image)."""
    os_name, arch = config.get("os"), config.get("architecture")
    if not isinstance(os_name, str) or not isinstance(arch, str) or not os_name or not arch:
        return None
    variant = config.get("variant")
    return Platform(os_name, arch, variant if isinstance(variant, str) and variant else None)


def choose_entry(ref: ImageReference, entries: object, platform: Platform) -> tuple[str, Platform]:
    """The digest and platform of the list entry that suits ``platform`` best."""
    best: tuple[int, str, Platform] | None = None
    offered: list[str] = []
    for entry, here in _usable_entries(entries):
        offered.append(str(here))
        score = platform.match(entry.get("platform") or {})
        if score and (best is None or score > best[0]):
            best = (score, entry["digest"], here)
    if best is None:
        raise UnsupportedPlatform(
            f"The course image {ref.familiar} is not made for this computer ({platform}); "
            f"it is available for: {', '.join(offered) or 'nothing usable'}.",
            "Ask your tutor whether a version for this kind of computer exists. "
            "On a Mac with Apple silicon, Docker Desktop can run Intel images if "
            "Rosetta is turned on in its settings.",
        )
    return best[1], best[2]


def read_layers(ref: ImageReference, data: Mapping[str, Any]) -> tuple[str, tuple[Layer, ...]]:
    """The config digest and the layers of a (single-platform) manifest."""
    try:
        config = str(data["config"]["digest"])
        layers = tuple(
            Layer(str(item["digest"]), int(item["size"]), str(item.get("mediaType", "")))
            for item in data["layers"]
        )
    except (KeyError, TypeError, ValueError):
        raise unusable(ref, "a manifest in a format the launcher does not know") from None
    if not all(layer.digest.startswith("sha256:") and layer.size >= 0 for layer in layers):
        raise unusable(ref, "a manifest with impossible layer digests or sizes")
    return config, layers

"""The issuer's emblem on the paper: the city's own image file, or a plain one for the demo.

The city's coat of arms is its own to use, so the repository ships none: the demo prints a
plain shield that no one would take for a real one.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

EmblemFormat = Literal["svg", "png", "jpg"]

_MEDIA_TYPES: dict[EmblemFormat, str] = {
    "svg": "image/svg+xml",
    "png": "image/png",
    "jpg": "image/jpeg",
}
_FORMATS: dict[str, EmblemFormat] = {".svg": "svg", ".png": "png", ".jpg": "jpg", ".jpeg": "jpg"}


@dataclass(frozen=True)
class Emblem:
    """An image file's bytes and its format."""

    data: bytes
    format: EmblemFormat

    @classmethod
    def from_file(cls, path: Path) -> Emblem:
        """The image at ``path`` (SVG, PNG or JPEG, by its suffix)."""
        try:
            image_format = _FORMATS[path.suffix.lower()]
        except KeyError:
            raise ValueError(
                f"the emblem {path} is not an SVG, PNG or JPEG file (by its name)"
            ) from None
        return cls(path.read_bytes(), image_format)

    @property
    def data_uri(self) -> str:
        """The image inline, so a credential carries it and needs no other host."""
        encoded = base64.b64encode(self.data).decode("ascii")
        return f"data:{_MEDIA_TYPES[self.format]};base64,{encoded}"


def plain_emblem(colour: str = "#1d4f73") -> Emblem:
    """A plain shield with three waves: clearly an emblem, clearly no city's real one."""
    waves = "".join(
        f'<path d="M18 {y} q8 -6 16 0 t16 0 t16 0 t16 0" fill="none" stroke="#ffffff" '
        f'stroke-width="4" stroke-linecap="round"/>'
        for y in (46, 60, 74)
    )
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 120" width="100" height="120">'
        f'<path d="M6 6 H94 V58 C94 88 72 106 50 116 C28 106 6 88 6 58 Z" fill="{colour}"/>'
        '<path d="M14 14 H86 V30 H14 Z" fill="#ffffff" fill-opacity="0.9"/>'
        f"{waves}</svg>"
    )
    return Emblem(svg.encode("utf-8"), "svg")

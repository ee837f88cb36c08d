"""The plain data a task exchanges with the app (Qt-free; the GUI and the report read these).

A task says which inputs it needs (`InputSlot`), which models it offers (`ModelChoice`),
which settings it takes (`OptionSpec`), turns a photograph into a model input
(`PreparedInput`), lists what it can explain (`Target`, in an `Analysis`) and shows
maps (`MapView`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.errors import FameError
from ..core.faces import crop_footprint, warp_to_photo
from ..core.images import LoadedImage, encode_png, sha256_bytes


class TaskOptionError(FameError):
    """A task option with a value the task cannot use."""


@dataclass(frozen=True)
class InputSlot:
    """One image a task needs: role (key in `inputs` dicts), label for the GUI, a hint."""

    role: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class ModelChoice:
    """A model a task offers. available=False: weights missing (status says where to put them)."""

    key: str
    name: str
    family: str
    available: bool
    status: str
    licence: str
    input_size: int
    accepts_file: bool = True  # the user may give a weights/checkpoint file

    def describe(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class OptionSpec:
    """A task setting the GUI can render as a form field and the CLI as a flag.

    kind: "choice" (one of `choices`), "int" (≥ minimum) or "text".
    """

    key: str
    label: str
    kind: str
    default: Any
    choices: tuple = ()
    help: str = ""
    minimum: int | None = None

    def parse(self, value: Any) -> Any:
        if self.kind == "choice":
            if value not in self.choices:
                raise TaskOptionError(f"{self.label}: {value!r} is not one of {', '.join(map(str, self.choices))}")
            return value
        if self.kind == "int":
            try:
                v = int(value)
            except (TypeError, ValueError):
                raise TaskOptionError(f"{self.label}: {value!r} is not a whole number") from None
            if self.minimum is not None and v < self.minimum:
                raise TaskOptionError(f"{self.label}: must be ≥ {self.minimum}, got {v}")
            return v
        return str(value)


@dataclass(frozen=True)
class PreparedInput:
    """One photograph turned into a model input; the original stays untouched.

    model_input: (S, S, 3) uint8 RGB, what FAME starts from (saved, a run is reproducible).
    matrix: (2, 3) photograph → input pixels. details: JSON-ready record of the preparation.
    payload: task-specific object (e.g. the `FaceInput` of a face task).
    """

    role: str
    image: LoadedImage
    model_input: np.ndarray
    matrix: np.ndarray
    details: dict = field(default_factory=dict)
    payload: Any = None

    @property
    def size(self) -> int:
        return int(self.model_input.shape[0])

    def to_photo(self, m: np.ndarray) -> np.ndarray:
        """(S, S) input-space map → (H, W) float32 on the photograph (0 where the input does not reach)."""
        return warp_to_photo(m, self.matrix, self.image.width, self.image.height)

    def footprint(self) -> np.ndarray:
        """(H, W) bool: where the model input lies on the photograph."""
        return crop_footprint(self.matrix, self.image.width, self.image.height, self.size)

    def input_png(self) -> bytes:
        return encode_png(self.model_input)

    def describe(self) -> dict:
        return {**self.image.describe(), **self.details, "input_size": self.size,
                "matrix": np.asarray(self.matrix).round(8).tolist(),
                "input_png_sha256": sha256_bytes(self.input_png())}


def stored_model_input(role: str, rebuilt: np.ndarray, stored: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The model input a case file stored, checked against the one rebuilt from its photograph.

    (input to use, notes): equal → the rebuilt one; off by one grey level (interpolation rounding
    of another OpenCV build) → the stored one, which is what the run started from, with a note;
    anything more → FameError: the stored input is not this photograph's."""
    if stored.shape != rebuilt.shape:
        raise FameError(f"{role}: the stored model input is {stored.shape[1]}×{stored.shape[0]}, the photograph "
                        f"gives {rebuilt.shape[1]}×{rebuilt.shape[0]}")
    diff = np.abs(stored.astype(np.int16) - rebuilt.astype(np.int16))
    if diff.max() > 1:
        raise FameError(f"{role}: the stored model input does not match the photograph and how it was prepared")
    if diff.max() == 0:
        return rebuilt, []
    stored = stored.copy()
    stored.flags.writeable = False
    return stored, [f"{role}: the model input rebuilt from the photograph differs by 1 grey level in "
                    f"{int((diff > 0).any(axis=2).sum())} pixels (interpolation rounding); the stored one is used"]


@dataclass(frozen=True)
class Target:
    """One thing a task can explain; one FAME sample. key names its files (maps/<key>.npy)."""

    key: str
    label: str
    role: str  # whose pixels are perturbed
    default: bool = True  # explained unless the user chooses otherwise
    data: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass
class Analysis:
    """What the model says before any FAME run.

    headline: one line (e.g. "cosine similarity 0.689"); summary: JSON-ready figures;
    targets: what can be explained, defaults flagged; grid: for cell targets drawn over the input.
    """

    headline: str
    summary: dict
    targets: tuple[Target, ...]
    grid: Any = None  # core.feature_map.CellGrid or None

    def target(self, key: str) -> Target:
        for t in self.targets:
            if t.key == key:
                return t
        raise TaskOptionError(f"nothing to explain called {key!r}; choose from "
                              f"{', '.join(t.key for t in self.targets[:8])}{' …' if len(self.targets) > 8 else ''}")

    def defaults(self) -> list[Target]:
        return [t for t in self.targets if t.default]


@dataclass(frozen=True)
class MapView:
    """A map to show: (S, S) float32 in [0, 1] over input `role`; outline: (x0, y0, x1, y1) or None."""

    key: str
    label: str
    role: str
    map: np.ndarray
    group: str = ""
    outline: tuple[float, float, float, float] | None = None

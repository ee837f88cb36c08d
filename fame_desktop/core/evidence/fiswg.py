"""The FISWG component checklist of a morphological face comparison, filled in by the examiner.

FISWG's feature list for facial comparison names the components below (METHOD.md §8); for each
the examiner records similar, dissimilar or not assessable, with notes. The tool never fills
it: a new checklist is wholly unassessed and only `assess` — an examiner's action — changes
an entry. `RELATED_REGION` names the facial region of the map summary (face_regions.py) shown
beside a component as a reading aid; it assesses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..errors import FameError

COMPONENTS = (
    ("skin", "Skin"), ("face_head_outline", "Face / head outline"),
    ("face_head_composition", "Face / head composition"), ("hair", "Hair"), ("forehead", "Forehead"),
    ("eyebrows", "Eyebrows"), ("eyes", "Eyes"), ("cheeks", "Cheeks"), ("nose", "Nose"), ("ears", "Ears"),
    ("mouth", "Mouth"), ("chin_jawline", "Chin / jawline"), ("neck", "Neck"), ("facial_hair", "Facial hair"),
    ("facial_lines", "Facial lines"), ("scars", "Scars"), ("facial_marks", "Facial marks"),
    ("alterations", "Alterations"),
)
COMPONENT_LABELS = dict(COMPONENTS)
ASSESSMENTS = ("similar", "dissimilar", "not_assessable")
ASSESSMENT_LABELS = {"similar": "similar", "dissimilar": "dissimilar", "not_assessable": "not assessable",
                     None: "not yet assessed"}
RELATED_REGION = {"forehead": "forehead", "eyebrows": "eyes_brows", "eyes": "eyes_brows", "cheeks": "cheeks_jaw",
                  "nose": "nose", "mouth": "mouth", "chin_jawline": "cheeks_jaw", "facial_hair": "cheeks_jaw"}
FORMAT = "fame-desktop/fiswg-checklist"
FORMAT_VERSION = 1


class ChecklistError(FameError):
    """An unknown component or assessment, or a checklist document that is not well formed."""


@dataclass(frozen=True)
class ComponentAssessment:
    component: str
    assessment: str | None = None  # one of ASSESSMENTS; None = not yet assessed
    notes: str = ""

    def __post_init__(self):
        if self.component not in COMPONENT_LABELS:
            raise ChecklistError(f"unknown FISWG component {self.component!r}")
        if self.assessment is not None and self.assessment not in ASSESSMENTS:
            raise ChecklistError(f"{self.component}: assessment must be one of {', '.join(ASSESSMENTS)} "
                                 f"(or none yet), got {self.assessment!r}")
        if not isinstance(self.notes, str):
            raise ChecklistError(f"{self.component}: notes must be text")


def _blank() -> tuple[ComponentAssessment, ...]:
    return tuple(ComponentAssessment(key) for key, _ in COMPONENTS)


@dataclass(frozen=True)
class FiswgChecklist:
    """One entry per FISWG component, in COMPONENTS order; immutable (changes return a new checklist)."""

    items: tuple[ComponentAssessment, ...] = _blank()

    def __post_init__(self):
        if tuple(i.component for i in self.items) != tuple(k for k, _ in COMPONENTS):
            raise ChecklistError("a checklist holds each FISWG component once, in the standard order")

    def item(self, component: str) -> ComponentAssessment:
        if component not in COMPONENT_LABELS:
            raise ChecklistError(f"unknown FISWG component {component!r}")
        return self.items[[k for k, _ in COMPONENTS].index(component)]

    def assess(self, component: str, assessment: str | None, notes: str | None = None) -> "FiswgChecklist":
        """The examiner's assessment of one component (notes kept unless given)."""
        old = self.item(component)
        new = replace(old, assessment=assessment, notes=old.notes if notes is None else notes)
        return FiswgChecklist(tuple(new if i.component == component else i for i in self.items))

    def counts(self) -> dict[str, int]:
        """{"similar": n, "dissimilar": n, "not_assessable": n, "unassessed": n}."""
        out = {a: 0 for a in ASSESSMENTS} | {"unassessed": 0}
        for i in self.items:
            out[i.assessment or "unassessed"] += 1
        return out

    def to_json(self) -> dict:
        return {"format": FORMAT, "format_version": FORMAT_VERSION,
                "items": [{"component": i.component, "label": COMPONENT_LABELS[i.component],
                           "assessment": i.assessment, "notes": i.notes} for i in self.items]}

    @classmethod
    def from_json(cls, d) -> "FiswgChecklist":
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise ChecklistError("not a FISWG checklist")
        if d.get("format_version") != FORMAT_VERSION:
            raise ChecklistError(f"FISWG checklist version {d.get('format_version')!r} is not supported")
        items = d.get("items")
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ChecklistError("a FISWG checklist needs a list of items")
        return cls(tuple(ComponentAssessment(i.get("component"), i.get("assessment"), i.get("notes", ""))
                         for i in items))

"""How a comparison is displayed, kept in `Session.view` and so in case files.

    ViewState(colour_map="inferno", opacity=0.7, maps={"gallery": "dissimilar", "probe": None})
    session.view = state.to_dict()        # what save_case writes
    state, notes = ViewState.from_dict(session.view)

`colour_map` and `opacity` are also what `report.write_report` draws overlays with.
Reading is lenient: a value that is missing, of the wrong type or unknown (e.g. a colour
map of a newer version) falls back to its default and is named in `notes`; the display
is never a reason to refuse a case file. No Qt, no torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from .overlay import COLOUR_MAPS, DEFAULT_COLOUR_MAP

MAP_KINDS = ("similar", "dissimilar", None)  # None: no map on that face
COMPARE_MODES = ("blend", "wipe")


def _default_maps() -> dict:
    return {"gallery": "similar", "probe": "similar"}


@dataclass(frozen=True)
class ViewState:
    colour_map: str = DEFAULT_COLOUR_MAP
    opacity: float = 0.5  # of the map over the image, 0 (image only) … 1 (map only)
    on_photo: bool = True  # maps also warped onto the original photographs
    maps: dict = field(default_factory=_default_maps)  # per face: "similar" (e+), "dissimilar" (e−) or None
    show_original: bool = False  # every overlay and face mark hidden
    compare_mode: str = "blend"  # the blend / wipe view between the two crops
    compare_mix: float = 0.5  # 0 = gallery only … 1 = probe only

    def to_dict(self) -> dict:
        return {f.name: (dict(getattr(self, f.name)) if f.name == "maps" else getattr(self, f.name))
                for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict | None) -> tuple["ViewState", list[str]]:
        """(state, notes on every value that was replaced by its default)."""
        d = d if isinstance(d, dict) else {}
        default = cls()
        notes: list[str] = []
        values: dict = {}

        def take(name: str, ok) -> None:
            if name not in d:
                return
            v = d[name]
            if ok(v):
                values[name] = v
            else:
                notes.append(f"view setting {name}={v!r} is not valid here; using {getattr(default, name)!r}")

        take("colour_map", lambda v: v in COLOUR_MAPS)
        take("opacity", lambda v: _number(v) and 0.0 <= v <= 1.0)
        take("on_photo", lambda v: isinstance(v, bool))
        take("show_original", lambda v: isinstance(v, bool))
        take("compare_mode", lambda v: v in COMPARE_MODES)
        take("compare_mix", lambda v: _number(v) and 0.0 <= v <= 1.0)
        maps = _default_maps()
        given = d.get("maps", {})
        for side in maps:
            if isinstance(given, dict) and side in given:
                if given[side] in MAP_KINDS:
                    maps[side] = given[side]
                else:
                    notes.append(f"view setting maps.{side}={given[side]!r} is not valid here; using 'similar'")
        values["maps"] = maps
        for name in ("opacity", "compare_mix"):
            if name in values:
                values[name] = float(values[name])
        return cls(**values), notes


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v  # not NaN

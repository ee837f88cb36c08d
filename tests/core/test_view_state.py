"""The display state kept in case files: round trip, lenient reading, report defaults."""

from __future__ import annotations

import json

from fame_desktop.core.view_state import ViewState


def test_round_trip_through_json():
    v = ViewState(colour_map="inferno", opacity=0.7, on_photo=False, maps={"gallery": "dissimilar", "probe": None},
                  show_original=True, compare_mode="wipe", compare_mix=0.4)
    back, notes = ViewState.from_dict(json.loads(json.dumps(v.to_dict())))
    assert back == v and notes == []


def test_missing_values_take_their_defaults_silently():
    v, notes = ViewState.from_dict({"colour_map": "magma"})
    assert v == ViewState(colour_map="magma") and notes == []
    assert ViewState.from_dict(None) == (ViewState(), [])


def test_invalid_values_fall_back_and_are_named():
    v, notes = ViewState.from_dict({"colour_map": "rainbow-9000", "opacity": 3, "on_photo": "yes",
                                    "compare_mix": float("nan"), "maps": {"gallery": "sideways", "probe": None}})
    assert v == ViewState(maps={"gallery": "similar", "probe": None})
    text = "\n".join(notes)
    for name in ("colour_map", "opacity", "on_photo", "compare_mix", "maps.gallery"):
        assert name in text
    assert len(notes) == 5


def test_report_reads_colour_map_and_opacity_from_the_same_keys():
    d = ViewState(colour_map="turbo", opacity=0.25).to_dict()
    assert d["colour_map"] == "turbo" and d["opacity"] == 0.25  # report.write_report's defaults

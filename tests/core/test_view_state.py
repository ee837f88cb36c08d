"""The display state kept in case files: round trip, lenient reading, report defaults."""

from __future__ import annotations

import json

import numpy as np

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


def test_a_report_draws_with_the_colour_map_and_opacity_the_view_state_keeps(tmp_path, pair_session):
    """write_report without explicit display options reads session.view as ViewState wrote it."""
    import pypdfium2 as pdfium

    from fame_desktop.core.images import decode_png
    from fame_desktop.core.overlay import overlay
    from fame_desktop.core.verification import split_key
    from fame_desktop.report import write_report

    pair_session.view = ViewState(colour_map="turbo", opacity=0.25).to_dict()
    out = write_report(pair_session, tmp_path / "r.pdf")
    text = "\n".join(p.get_textpage().get_text_range() for p in pdfium.PdfDocument(str(out.pdf)))
    assert "turbo, opacity 0.25" in text
    manifest = json.loads((out.exports / "manifest.json").read_text())
    assert manifest["parameters"]["display"] == {"colour_map": "turbo", "opacity": 0.25}
    maps = pair_session.result().maps(pair_session.map_settings)
    for key in pair_session.result().keys:
        crop = pair_session.inputs[split_key(key)[0]].model_input
        drawn = decode_png((out.exports / "overlays" / f"{key}.png").read_bytes())
        assert np.array_equal(drawn, overlay(crop, maps[key], 0.25, "turbo")), key
        assert not np.array_equal(drawn, overlay(crop, maps[key], 0.5, "jet")), key  # not the defaults

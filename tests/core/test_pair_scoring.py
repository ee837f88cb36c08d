"""The per-pair score cache of `fame calibrate` and the summaries a calibration file keeps of the pairs."""

from __future__ import annotations

import json

import pytest

from fame_desktop.core.evidence.calibration import CalibrationError
from fame_desktop.core.evidence.pair_scoring import (PairOutcome, ScoreCache, pairs_sha256, photo_measures,
                                                     summarise_outcomes)

HEADER = {"format": "fame-desktop/calibration-scores", "format_version": 1,
          "model": {"key": "arcface-mbf", "weights_sha256": "a" * 64}, "alignment": {"transform": "t"}}


def test_a_line_cut_by_an_interrupted_run_costs_only_its_own_pair(tmp_path):
    cache = ScoreCache(tmp_path / "c.scores.jsonl", HEADER)
    cache.append([PairOutcome("pairs/1", "/g1", "/p1", True, 0.61)])
    with open(cache.path, "ab") as f:
        f.write(b'{"pair_id": "pairs/2", "gall')  # killed mid-line
    cache.append([PairOutcome("pairs/3", "/g3", "/p3", False, 0.02)])
    assert sorted(cache.read()) == ["pairs/1", "pairs/3"]
    assert json.loads(cache.path.read_text().splitlines()[0]) == HEADER


@pytest.mark.parametrize("part, value", [("model", {"key": "adaface-ir50", "weights_sha256": "b" * 64}),
                                         ("alignment", {"transform": "other"})])
def test_a_cache_of_another_model_or_alignment_is_refused(tmp_path, part, value):
    ScoreCache(tmp_path / "c.jsonl", {**HEADER, part: value}).append([])
    with pytest.raises(CalibrationError, match=f"made with another {part}"):
        ScoreCache(tmp_path / "c.jsonl", HEADER).read()
    (tmp_path / "notes.jsonl").write_text("shopping list\n")
    with pytest.raises(CalibrationError, match="not a score cache"):
        ScoreCache(tmp_path / "notes.jsonl", HEADER).read()


def test_summaries_of_the_outcomes():
    q = {"inter_eye_px": 40.0}
    outcomes = [PairOutcome("1", "/a", "/b", True, 0.7, gallery_sha256="A", probe_sha256="B", gallery_quality=q,
                            probe_quality=q),
                PairOutcome("2", "/a", "/c", False, 0.1, gallery_sha256="A", probe_sha256="C", gallery_quality=q,
                            probe_quality=q),
                PairOutcome("3", "/d", "/b", True, error="gallery: no face found", error_kind="no face",
                            gallery_sha256="D", probe_sha256="B", probe_quality=q)]
    s = summarise_outcomes(outcomes)
    assert (s["listed"], s["scored"], s["genuine"], s["impostor"], s["failed"]) == (3, 2, 1, 1, 1)
    assert s["failures_by_kind"] == {"no face": 1} and s["failures"][0]["reason"] == "gallery: no face found"
    assert len(photo_measures(outcomes)) == 3  # A, B, C: each photograph once, failed pairs left out
    moved = [PairOutcome(o.pair_id, "/elsewhere" + o.gallery, o.probe, o.same, o.score, o.error, o.error_kind,
                         o.gallery_sha256, o.probe_sha256) for o in outcomes]
    assert pairs_sha256(moved) == pairs_sha256(outcomes)  # content, not location
    relabelled = outcomes[:1] + [PairOutcome("2", "/a", "/c", True, 0.1, gallery_sha256="A", probe_sha256="C")]
    assert pairs_sha256(relabelled + outcomes[2:]) != pairs_sha256(outcomes)

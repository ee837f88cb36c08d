"""The lines that tell a run's progress and outcome (Qt-free: the run bar and the map badges show them)."""

from __future__ import annotations

from fame_desktop.tasks.run_summary import format_seconds, iteration_summary, progress_text, result_caption


def _row(label: str, iterations: int, why: str) -> dict:
    return {"label": label, "iterations": iterations, "stop_reason": why}


def test_times_and_progress_read_as_clock_times():
    assert [format_seconds(s) for s in (0, 59.6, 130.4, 3723)] == ["0:00", "1:00", "2:10", "1:02:03"]
    assert progress_text(10, 500, 20.0) == "Iteration 10 / 500 · ≤ 16:20 left"


def test_a_badge_names_the_method_the_steps_and_why_the_map_stopped():
    assert result_caption("FAME", _row("a", 12, "converged")) == "FAME · 12 it. (settled)"
    assert result_caption("result", _row("a", 500, "iterations")) == "result · 500 it."


def test_the_summary_is_one_line_when_every_map_ran_alike_and_marks_each_otherwise():
    same = {"g": _row("Gallery e+", 500, "iterations"), "p": _row("Probe e+", 500, "iterations")}
    line, detail = iteration_summary(same)
    assert line == "All 2 maps: 500 iterations (reached T)." and detail.count("\n") == 1
    mixed = {"g": _row("Gallery e+", 120, "converged"), "p": _row("Probe e+", 80, "epsilon")}
    line, _ = iteration_summary(mixed, {"g": "G e+"})
    assert line == "Iterations: G e+ 120 δ · Probe e+ 80 ε (δ: settled, ε: loss < ε)"


def test_a_model_is_named_by_its_description_else_its_key_else_its_class():
    from fame_desktop.tasks.result import model_name

    class Described:
        def __init__(self, d):
            self.describe = lambda: d

    assert model_name(Described({"name": "MobileFaceNet", "key": "arcface-mbf"})) == "MobileFaceNet"
    assert model_name(Described({"key": "arcface-mbf"})) == "arcface-mbf"
    assert model_name(object()) == "object"


def test_the_estimate_prefers_a_measured_speed_and_is_rough_from_the_first_answer_else_unknown():
    from fame_desktop.tasks.run_summary import estimate_text

    assert estimate_text(500, 4, 0.26, 0.05) == ("run ≤ 2:10", "500 iterations ≈ 2:10 at most (measured: 0.26 s "
                                                                "per iteration)")
    assert estimate_text(100, 2, 0.0, 0.1) == ("run ≤ 1:00", "100 iterations ≈ 1:00 at most (rough: from the "
                                                             "model's first answer)")
    assert estimate_text(100, 2, 0.0, 0.0) == ("", "")

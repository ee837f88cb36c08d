"""One default everywhere: a fresh window's FAME parameters are what the command line uses without
--preset, for every task; `--help` and the README say which preset that is."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from fame_desktop.cli import build_parser
from fame_desktop.cli.options import method_params
from fame_desktop.gui.settings import AppSettings
from fame_desktop.gui.spec_form import MethodForm
from fame_desktop.tasks import default_registry

COMMANDS = {"face-verification": ["explain", "g.jpg", "p.jpg"], "imagenet-classification": ["classify", "i.jpg"],
            "feature-map": ["featuremap", "i.jpg"]}


@pytest.mark.parametrize("task_key", sorted(COMMANDS))
def test_the_window_and_the_command_line_default_to_the_same_parameters(qtbot, tmp_path, task_key):
    registry = default_registry()
    task, fame = registry.get(task_key), registry.method("fame")
    form = MethodForm(fame, task, AppSettings(tmp_path), "params/fame")  # a fresh window: nothing remembered
    qtbot.addWidget(form)
    args = build_parser().parse_args([*COMMANDS[task_key], "--out", str(tmp_path / "o")])
    cli = method_params(args, fame, task)
    # snapshot_every only paces the window's live previews; it does not change the maps
    assert replace(form.params(), snapshot_every=0) == cli and cli.preset == task.default_preset
    assert form.preset.currentData() == task.default_preset
    # `fame run TASK …` takes the same path
    run = build_parser().parse_args(["run", task_key, "x.jpg", "--out", str(tmp_path / "o")])
    assert method_params(run, fame, task) == cli


def test_help_and_readme_state_the_default_preset():
    registry = default_registry()
    face, imagenet = registry.get("face-verification"), registry.get("imagenet-classification")
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices
    helptext = " ".join(sub["explain"].format_help().split())
    assert f"without --preset the task's default preset applies, as in the window (faces: {face.default_preset}; " \
           f"classification: {imagenet.default_preset}; feature maps: {registry.get('feature-map').default_preset})" in helptext
    readme = " ".join((Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8").split())
    assert (f"Without `--preset`, FAME runs with the task's default preset, as the window does (faces: "
            f"{face.default_preset}; classification: {imagenet.default_preset}; feature maps: "
            f"{registry.get('feature-map').default_preset})") in readme
    row = re.search(r"\| `--preset` \| ([^|]+) \|", readme)
    assert row and row.group(1).strip() == f"the task's: `{face.default_preset}` for faces"

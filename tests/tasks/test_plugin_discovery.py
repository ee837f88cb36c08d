"""Plugins are found through entry points; broken ones are reported and never stop the others.

A temporary `*.dist-info` folder on sys.path declares entry points in the group
fame_desktop.plugins exactly as an installed wheel would (importlib.metadata reads its
entry_points.txt): one plugin that works, one whose module does not import, one whose
setup() raises, one that adds something that is not a task, one with a too-new API.
"""

from __future__ import annotations

import importlib
import logging
import sys
import textwrap

import numpy as np
import pytest
import torch

from fame_desktop.methods import FameMethod
from fame_desktop.tasks.runner import request_run
from fame_desktop.cli import main
from fame_desktop.core.fame import FameParams
from fame_desktop.core.images import encode_png, load_image_bytes
from fame_desktop.tasks import GROUP, Task, discover

PLUGIN_MODULE = textwrap.dedent('''
    """A third-party task: explain the mean red level of an image with FAME."""
    import torch
    from fame_desktop.core.classifier_input import prepare_classifier_input
    from fame_desktop.tasks import Analysis, InputSlot, ModelChoice, PreparedInput, Target, Task


    class MeanRed(torch.nn.Module):
        input_size = 32

        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(1), requires_grad=False)

        def forward(self, x):  # (B, 3, 32, 32) in [0, 1] → (B,)
            return self.w * x[:, 0].mean(dim=(1, 2))

        def describe(self):
            return {"key": "mean-red", "name": "mean red level"}


    class RednessTask(Task):
        key = "redness"
        title = "Redness"
        inputs = (InputSlot("image", "Image"),)

        def models(self):
            return [ModelChoice("mean-red", "mean red level", "toy", True, "built in", "CC0", 32, False)]

        def load_model(self, key, weights=None, device="auto"):
            return MeanRed()

        def prepare(self, model, role, image, options):
            ci = prepare_classifier_input(image, 32)
            return PreparedInput(role, image, ci.rgb, ci.matrix, {"box": list(ci.box)})

        def analyse(self, model, inputs, options):
            return Analysis("red level", {}, (Target("red", "red level", "image"),))

        def objective(self, model, inputs, analysis, targets, options, params):
            def f(x):
                r = model(x)
                return r, r.detach()
            return f


    def setup(registry):
        registry.add(RednessTask())


    def setup_that_raises(registry):
        raise RuntimeError("needs a licence server")


    def setup_adds_junk(registry):
        registry.add("not a task")


    class FutureTask(RednessTask):
        key = "future"
        api_version = 99


    def setup_future(registry):
        registry.add(FutureTask())
''')

ENTRY_POINTS = f"""\
[{GROUP}]
redness = fake_fame_plugin:setup
missing-module = fake_fame_plugin_that_does_not_exist:setup
raises = fake_fame_plugin:setup_that_raises
junk = fake_fame_plugin:setup_adds_junk
future = fake_fame_plugin:setup_future
"""


@pytest.fixture
def fake_plugins(tmp_path, monkeypatch):
    (tmp_path / "fake_fame_plugin.py").write_text(PLUGIN_MODULE)
    info = tmp_path / "fake_fame_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-fame-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield tmp_path
    sys.modules.pop("fake_fame_plugin", None)


def test_builtin_tasks_and_methods_are_registered_through_entry_points():
    registry = discover()
    assert list(registry.tasks)[:3] == ["face-verification", "imagenet-classification", "feature-map"]
    builtin = {p.name: p for p in registry.plugins if p.distribution.startswith("fame-desktop")}
    assert set(builtin) == {"face-verification", "imagenet-classification", "feature-map", "fame", "cam", "fd-cam",
                            "corrrise", "fggb"}
    assert all(p.status == "ok" for p in builtin.values())
    assert builtin["face-verification"].value == "fame_desktop.tasks.face_verification:setup"
    assert builtin["fame"].methods == ["fame"] and builtin["fame"].tasks == []
    cams = ["gradcam", "gradcam-ew", "hirescam", "gradcam++", "xgradcam", "layercam", "scorecam", "ablationcam",
            "fullgrad"]
    assert builtin["cam"].methods == cams and builtin["fd-cam"].methods == ["fd-cam"]
    methods = {key: list(registry.methods_for(task)) for key, task in registry.tasks.items()}
    assert methods["imagenet-classification"] == ["fame", *cams, "fd-cam"]  # every CAM explains a class logit
    # a face gets the layer CAMs and FD-CAM, not Score-CAM, Ablation-CAM or FullGrad (docs/methods.md), and
    # CorrRISE and FGGB, which only face pairs offer
    assert methods["face-verification"] == ["fame", *cams[:6], "fd-cam", "corrrise", "fggb"]
    assert methods["feature-map"] == ["fame"]  # a cell's CAM at its own layer is the cell itself


def test_good_plugin_found_and_broken_ones_reported(fake_plugins, caplog):
    with caplog.at_level(logging.ERROR, logger="fame_desktop.plugins"):
        registry = discover()
    plugins = {p.name: p for p in registry.plugins}
    assert plugins["redness"].status == "ok" and plugins["redness"].tasks == ["redness"]
    assert plugins["redness"].distribution == "fake-fame-plugin 1.0"
    assert isinstance(registry.get("redness"), Task)
    expected = {
        "missing-module": "import failed: ModuleNotFoundError: No module named 'fake_fame_plugin_that_does_not_exist'",
        "raises": "setup failed: RuntimeError: needs a licence server",
        "junk": "invalid addition: TypeError: str is neither a fame_desktop.tasks.Task nor a fame_desktop.methods.Method",
        "future": "invalid addition: ValueError: task 'future' needs plugin API 99; this fame-desktop provides API 1",
    }
    for name, error in expected.items():
        assert plugins[name].status == "broken" and plugins[name].error == error
        assert "Traceback" in plugins[name].details
        assert name in caplog.text  # logged, with the traceback
    assert {p.name for p in registry.broken} == set(expected)
    # the others still load: built-ins and the good plugin
    assert {"face-verification", "imagenet-classification", "feature-map", "redness"} <= set(registry.tasks)
    assert "future" not in registry.tasks
    with pytest.raises(Exception, match="broken plugins: .*missing-module"):
        registry.get("future")


def test_third_party_task_runs_through_the_interface(fake_plugins):
    task = discover().get("redness")
    model = task.load_model(task.default_model)
    options = task.resolve_options({}, model)
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[:, :30, 0] = 200  # red on the left half only
    image = load_image_bytes(encode_png(rgb), "half_red.png")
    inputs = {"image": task.prepare(model, "image", image, options)}
    analysis = task.analyse(model, inputs, options)
    job = request_run(task, FameMethod(), model, inputs, analysis, analysis.defaults(), FameParams(iterations=3, epsilon=0), options)
    seen = []
    result = job.execute(on_progress=lambda p: seen.append(p.iteration))
    assert seen == [1, 2, 3] and result.run.iterations.tolist() == [3]
    delta = result.delta("red")
    assert delta[0].min() < 0 and np.abs(delta[1:]).max() == 0  # only the red channel changes
    view = task.views(result, task.default_map_settings(model))[0]
    assert view.map.shape == (32, 32) and view.key == "red"
    section = task.report_section(result, task.default_map_settings(model))
    assert section.title == "Redness" and section.figures[0].image.shape == (32, 32, 3)


def test_fame_plugins_lists_broken_plugins_and_exits_0(fake_plugins, capsys):
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "BROKEN raises" in out and "setup failed: RuntimeError: needs a licence server" in out
    assert "ok     redness" in out and "ok     face-verification" in out
    assert "efficientnet-lite0" in out and "4 broken plugin(s); the others work" in out
    assert main(["plugins", "--json"]) == 0
    import json

    doc = json.loads(capsys.readouterr().out)
    assert doc["group"] == GROUP
    states = {p["name"]: p["status"] for p in doc["plugins"]}
    assert states["redness"] == "ok" and states["junk"] == "broken"
    lite0 = [m for m in doc["tasks"]["imagenet-classification"]["models"] if m["key"] == "efficientnet-lite0"]
    assert lite0[0]["available"] is True


def test_hooks_do_not_leak_between_tasks():
    """captum's lesson: after a task's work, no forward hooks are left on the model."""
    from fame_desktop.core.feature_map import CellObjective

    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(4, 4, 3, 2, 1))
    objective = CellObjective(net, "2", [(0, 0)])
    objective(torch.rand(1, 3, 8, 8))
    assert all(not m._forward_hooks for m in net.modules())

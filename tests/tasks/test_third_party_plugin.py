"""A third-party plugin that adds a task AND an explanation method, installed only through its entry point.

The plugin below is a distribution of its own (a `*.dist-info` folder on sys.path, as an
installed wheel would leave): a task ("centre brightness": a fixed centre-weighted mean of
the pixels) and a one-step gradient method ("saliency": |∂L/∂x| of the task's objective, raw
output (B, 3, S, S), maps by core.attribution.delta_to_maps). Nothing in the app knows them:
`fame plugins` lists both, and `fame run` runs them headless in a fresh process, writing the
task's output folder, a case file that reopens (checked by the method) and a report.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from fame_desktop.cli import main
from fame_desktop.tasks import GROUP

ROOT = Path(__file__).resolve().parents[2]

PLUGIN = textwrap.dedent('''
    """fame-toy-plugin: a task and an explanation method for fame-desktop."""
    import time
    from dataclasses import dataclass

    import numpy as np
    import torch

    from fame_desktop.core.attribution import delta_to_maps
    from fame_desktop.core.classifier_input import prepare_classifier_input
    from fame_desktop.methods import Method, RunRecord
    from fame_desktop.tasks import Analysis, InputSlot, ModelChoice, PreparedInput, Target, Task

    SIZE = 32


    class CentreBrightness(torch.nn.Module):
        """(B, 3, 32, 32) in [0, 1] → (B,): the mean brightness weighted by a Gaussian around the centre."""

        def __init__(self):
            super().__init__()
            yy, xx = torch.meshgrid(torch.arange(SIZE, dtype=torch.float32),
                                    torch.arange(SIZE, dtype=torch.float32), indexing="ij")
            w = torch.exp(-((yy - 15.5) ** 2 + (xx - 15.5) ** 2) / (2 * 6.0 ** 2))
            self.register_buffer("weight", w / w.sum())
            self.scale = torch.nn.Parameter(torch.ones(1), requires_grad=False)

        def forward(self, x):
            return self.scale * (x.mean(dim=1) * self.weight).sum(dim=(1, 2))

        def describe(self):
            return {"key": "centre-brightness", "name": "centre-weighted brightness", "device": "cpu"}


    class BrightnessTask(Task):
        key = "centre-brightness"
        title = "Centre brightness"
        description = "How bright the middle of a photograph is."
        inputs = (InputSlot("image", "Image"),)
        methods = ("fame", "saliency")
        default_preset = "reference"

        def models(self):
            return [ModelChoice("centre-brightness", "centre-weighted brightness", "toy", True, "built in", "CC0",
                                SIZE, accepts_file=False)]

        def load_model(self, key, weights=None, device="auto"):
            return CentreBrightness().eval()

        def prepare(self, model, role, image, options):
            ci = prepare_classifier_input(image, SIZE)
            return PreparedInput(role, image, ci.rgb, ci.matrix, {"box": list(ci.box)})

        @torch.no_grad()
        def analyse(self, model, inputs, options):
            x = torch.from_numpy(inputs["image"].model_input.copy()).permute(2, 0, 1)[None].float() / 255
            value = float(model(x))
            return Analysis(f"centre brightness {value:.3f}", {"brightness": value},
                            (Target("brightness", "centre brightness", "image"),))

        def objective(self, model, inputs, analysis, targets, options, params):
            def loss_and_score(x):
                b = model(x)
                return b, b.detach()
            return loss_and_score


    @dataclass(frozen=True)
    class SaliencyParams:
        absolute: bool = True

        def describe(self):
            return {"absolute": self.absolute}


    class SaliencyMethod(Method):
        key = "saliency"
        title = "Saliency"
        description = "|dL/dx| of the task's objective: one backward pass."
        kind = "gradient"

        def default_params(self, task):
            return SaliencyParams()

        def run(self, job, on_progress=None, should_cancel=None):
            start = time.perf_counter()
            x = job.input_batch().clone().requires_grad_(True)
            loss, score = job.objective()(x)
            (grad,) = torch.autograd.grad(loss.sum(), x)
            raw = grad.abs() if job.params.absolute else grad
            loss, score = (v.detach().float().cpu().numpy() for v in (loss, score))
            n = len(job.targets)
            return RunRecord(delta=raw.detach().cpu().numpy().astype(np.float32), iterations=np.ones(n, np.int64),
                             stop_reasons=["iterations"] * n, initial_loss=loss, final_loss=loss,
                             initial_score=score, final_score=score, elapsed=time.perf_counter() - start,
                             params=job.params)

        def maps(self, raw, settings):
            return delta_to_maps(raw, settings)


    def setup(registry):
        registry.add(BrightnessTask())
        registry.add(SaliencyMethod())
''')


@pytest.fixture
def toy_plugin(tmp_path, monkeypatch):
    """The plugin as an installed distribution: its module and a dist-info with the entry point."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "fame_toy_plugin.py").write_text(PLUGIN)
    info = site / "fame_toy_plugin-0.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fame-toy-plugin\nVersion: 0.3\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\ntoy = fame_toy_plugin:setup\n")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    yield site
    sys.modules.pop("fame_toy_plugin", None)


def test_fame_plugins_lists_the_task_and_the_method(toy_plugin, capsys):
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    assert "ok     toy" in out and "[fame-toy-plugin 0.3]" in out
    assert "centre-brightness" in out and "methods: fame, saliency" in out
    assert "saliency                   Saliency (gradient)" in out
    assert main(["plugins", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    toy = next(p for p in doc["plugins"] if p["name"] == "toy")
    assert (toy["status"], toy["tasks"], toy["methods"]) == ("ok", ["centre-brightness"], ["saliency"])
    assert doc["methods"]["saliency"]["kind"] == "gradient"
    assert doc["tasks"]["centre-brightness"]["methods"] == ["fame", "saliency"]
    assert "saliency" not in doc["tasks"]["face-verification"]["methods"]  # the built-in tasks do not list it


def test_fame_run_runs_the_plugins_task_with_its_method(toy_plugin, tmp_path):
    from PIL import Image

    from fame_desktop.session.casefile import open_case
    from fame_desktop.tasks import discover

    photo = tmp_path / "grey.png"
    Image.new("RGB", (64, 48), (90, 120, 150)).save(photo)
    out, case, report = tmp_path / "out", tmp_path / "toy.famecase", tmp_path / "toy.pdf"
    env = {**os.environ, "PYTHONPATH": str(toy_plugin), "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([sys.executable, "-m", "fame_desktop.cli", "run", "centre-brightness", str(photo),
                           "--method", "saliency", "--out", str(out), "--case", str(case), "--report", str(report),
                           "--device", "cpu"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "centre brightness 0.4" in proc.stdout and "Saliency: brightness 1 (iterations)" in proc.stdout

    r = json.loads((out / "result.json").read_text())
    assert r["task"]["key"] == "centre-brightness" and r["method"] == "saliency"
    assert r["parameters"]["saliency"] == {"absolute": True} and "fame" not in r["parameters"]
    assert r["analysis"]["brightness"] == pytest.approx((90 + 120 + 150) / 3 / 255, abs=1e-3)
    assert r["maps"]["brightness"]["iterations"] == 1
    raw = np.load(out / "raw" / "brightness.npy")
    m = np.load(out / "maps" / "brightness.npy")
    assert raw.shape == (3, 32, 32) and raw.dtype == np.float32 and raw.min() >= 0
    # |∂L/∂x| of a centre-weighted mean: largest in the middle, the same in every channel
    assert np.allclose(raw[0], raw[1]) and np.unravel_index(raw[0].argmax(), raw[0].shape) in {(15, 15), (15, 16),
                                                                                                (16, 15), (16, 16)}
    assert m.shape == (32, 32) and m.max() == pytest.approx(1) and m[16, 16] > 0.9 > m[0, 0]
    assert (out / "inputs" / "image.png").is_file() and (out / "overlays" / "brightness.png").is_file()
    assert report.is_file() and (tmp_path / "toy-exports" / "manifest.json").is_file()

    # the case file reopens through the plugin (the method checks its stored output) without running it again
    session, _notes = open_case(case, registry=discover())
    assert session.task.key == "centre-brightness" and session.result("saliency").method.key == "saliency"
    assert np.array_equal(session.result("saliency").delta("brightness"), raw)
    assert session.audit.entries[-1].details["checks"]["analysis"]["headline"].startswith("centre brightness")

    # and `fame verify` states what it recomputed through the plugin's task (no similarity in this task)
    proc = subprocess.run([sys.executable, "-m", "fame_desktop.cli", "verify", str(case)], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "intact" in proc.stdout and "result recomputed with centre-brightness (centre brightness 0.4" in proc.stdout

"""The example plugin in docs/plugins.md works as written: installed through an entry point, run once."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest
from skimage import data

from fame_desktop.methods import FameMethod
from fame_desktop.tasks.runner import request_run
from fame_desktop.core.fame import FameParams
from fame_desktop.core.images import encode_png, load_image_bytes
from fame_desktop.tasks import GROUP, discover

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def _example_code() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.S)
    return next(b for b in blocks if "def setup(registry)" in b)


@pytest.fixture
def docs_plugin(tmp_path, monkeypatch):
    pkg = tmp_path / "fame_class_groups"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(_example_code())
    info = tmp_path / "fame_class_groups-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fame-class-groups\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\nclass-groups = fame_class_groups:setup\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield
    sys.modules.pop("fame_class_groups", None)


def test_docs_example_plugin_runs(docs_plugin):
    registry = discover()
    info = {p.name: p for p in registry.plugins}["class-groups"]
    assert info.status == "ok" and info.distribution == "fame-class-groups 1.0", info.error
    task = registry.get("imagenet-class-group")
    model = task.load_model("efficientnet-lite0", device="cpu")
    options = task.resolve_options({"group": "cat"}, model)
    image = load_image_bytes(encode_png(data.chelsea()), "chelsea.png")
    inputs = {"image": task.prepare(model, "image", image, options)}
    analysis = task.analyse(model, inputs, options)
    assert analysis.summary["probability"] > 0.9  # chelsea is some kind of cat
    result = request_run(task, FameMethod(), model, inputs, analysis, analysis.defaults(), FameParams(iterations=2, epsilon=0),
                       options).execute()
    per = result.per_target()["group_cat"]
    assert per["final_score"] < per["initial_score"] and result.run.delta.shape == (1, 3, 224, 224)

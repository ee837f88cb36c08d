"""The window hosts tasks as modes: selector and View ▸ Mode, face verification untouched, Plugins dialog."""

from __future__ import annotations

import importlib
import sys

import pytest
from conftest import make_window
from gui_helpers import drop_files, open_mode, wait_for_modes, wait_for_pair
from PySide6.QtCore import Qt

from fame_desktop.tasks import GROUP
from fame_desktop.tasks.registry import default_registry

MODES = ["face-verification", "imagenet-classification", "feature-map"]


def _menu(w, title):
    return next(a.menu() for a in w.menuBar().actions() if a.text().replace("&", "") == title)


def test_modes_are_listed_and_switching_keeps_the_face_mode_as_it_was(qtbot, window, data_dir, config_dir):
    w = window
    drop_files(w, [data_dir / "obama.jpg", data_dir / "obama2.jpg"])
    wait_for_pair(qtbot, w)
    wait_for_modes(qtbot, w)
    sel = w.selector
    assert [sel.itemData(i) for i in range(sel.count())][:3] == MODES
    face_page = w.page
    assert face_page.task.key == "face-verification" and sel.currentData() == "face-verification"  # the default
    assert "Face verification" in w.windowTitle() and "obama.jpg vs obama2.jpg" in w.windowTitle()
    assert [a.text() for a in w.mode_menu.actions()][:3] == ["Face verification", "ImageNet classification",
                                                            "Feature-map receptive fields"]
    assert w.act["run"].isEnabled() and w.act["open2"].isVisible() and w.act["open1"].text() == "&Open gallery…"
    assert "Set &threshold…" in [a.text() for a in _menu(w, "Page").actions()]

    page = open_mode(qtbot, w, "imagenet-classification")
    assert w.stack.currentWidget() is page and w.dock.widget().currentWidget() is page.side
    assert "ImageNet classification" in w.windowTitle() and "obama" not in w.windowTitle()
    # one input: one Open action, the face page's own actions gone from the menus
    assert not w.act["open2"].isVisible() and w.act["open1"].text() == "&Open image…"
    assert "Set &threshold…" not in [a.text() for a in _menu(w, "Page").actions()]
    a = w.act
    assert [x.shortcut().toString() for x in (a["run"], a["open1"], a["escape"])] == ["F5", "Ctrl+O", "Esc"]
    assert not a["run"].isEnabled() and "image" in a["run"].toolTip().lower()  # no image yet, and it says so
    assert w.settings.get("modes/current", "") == "imagenet-classification"

    next(x for x in w.mode_menu.actions() if x.data() == "feature-map").trigger()  # View ▸ Mode
    assert w.page.task.key == "feature-map" and sel.currentData() == "feature-map"
    assert "Compute &all cells" in [x.text() for x in _menu(w, "Page").actions()]
    assert "Feature-map receptive fields" in w.windowTitle()

    next(x for x in w.mode_menu.actions() if x.data() == "face-verification").trigger()
    assert w.page is face_page and w.stack.currentWidget() is face_page
    assert w.dock.widget().currentWidget() is face_page.side and w.act["run"].isEnabled()
    assert w.windowTitle().endswith("obama.jpg vs obama2.jpg — Face verification — fame-desktop")
    assert w.page.session.ready and w.page.score.similarity is not None  # the comparison is still there


def test_the_last_mode_comes_back_and_drops_go_to_the_mode_shown(qtbot, window, data_dir, tmp_path, config_dir,
                                                                 detector, face_model):
    import cv2
    from skimage import data

    w = window
    face_page = w.page
    page = open_mode(qtbot, w, "imagenet-classification")
    photo = tmp_path / "chelsea.png"
    cv2.imwrite(str(photo), data.chelsea()[:, :, ::-1])
    drop_files(w, [photo])  # dropped on the window, not on the slot
    qtbot.waitUntil(lambda: "image" in page.session.inputs, timeout=30_000)
    assert page.session.inputs["image"].image.name == "chelsea.png"
    assert not face_page.session.photos  # the face page got nothing
    w.close()
    w2 = make_window(qtbot, config_dir, detector, face_model)
    wait_for_modes(qtbot, w2)
    qtbot.waitUntil(lambda: w2.page is not None and w2.page.task.key == "imagenet-classification", timeout=30_000)
    w2.close()


BROKEN_ENTRY_POINTS = f"""\
[{GROUP}]
needs-licence-server = fake_fame_broken_plugin:setup
redness = fake_fame_broken_plugin:setup_redness
"""

BROKEN_MODULE = '''
"""One broken plugin, and one working third-party task (mean red level of a 32 × 32 input)."""
import torch
from fame_desktop.core.classifier_input import prepare_classifier_input
from fame_desktop.tasks import Analysis, InputSlot, ModelChoice, PreparedInput, Target, Task


def setup(registry):
    raise RuntimeError("needs a licence server")


class MeanRed(torch.nn.Module):
    input_size = 32

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(1), requires_grad=False)

    def forward(self, x):
        return self.w * x[:, 0].mean(dim=(1, 2))

    def describe(self):
        return {"key": "mean-red", "name": "mean red level"}


class RednessTask(Task):
    key = "redness"
    title = "Redness"
    description = "How red is the image?"
    inputs = (InputSlot("image", "Image"),)
    order = 50

    def models(self):
        return [ModelChoice("mean-red", "mean red level", "toy", True, "built in", "CC0", 32, False)]

    def load_model(self, key, weights=None, device="auto"):
        return MeanRed()

    def prepare(self, model, role, image, options):
        ci = prepare_classifier_input(image, 32)
        return PreparedInput(role, image, ci.rgb, ci.matrix, {"box": list(ci.box), "preparation": "full"})

    def analyse(self, model, inputs, options):
        return Analysis("red level", {}, (Target("red", "red level", "image"),))

    def objective(self, model, inputs, analysis, targets, options, params):
        def f(x):
            r = model(x)
            return r, r.detach()
        return f


def setup_redness(registry):
    registry.add(RednessTask())
'''


@pytest.fixture
def broken_plugin(tmp_path, monkeypatch):
    (tmp_path / "fake_fame_broken_plugin.py").write_text(BROKEN_MODULE)
    info = tmp_path / "fake_fame_broken_plugin-2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-fame-broken-plugin\nVersion: 2.0\n")
    (info / "entry_points.txt").write_text(BROKEN_ENTRY_POINTS)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    default_registry.cache_clear()
    yield
    default_registry.cache_clear()
    sys.modules.pop("fake_fame_broken_plugin", None)


def test_plugins_dialog_lists_a_broken_plugin_and_the_app_still_works(qtbot, broken_plugin, window, data_dir):
    w = window
    wait_for_modes(qtbot, w)
    assert "1 plugin could not be loaded" in w.statusBar().currentMessage()
    plugins = next(a for a in _menu(w, "Help").actions() if a.text() == "&Plugins…")
    plugins.trigger()
    dlg = w.plugins_dialog
    assert dlg.isVisible()
    rows = {r[0]: r for r in dlg.rows()}
    assert set(MODES) <= set(rows)
    name, dist, status, error = rows["needs-licence-server"]
    assert (dist, status) == ("fake-fame-broken-plugin 2.0", "BROKEN")
    assert error == "setup failed: RuntimeError: needs a licence server"
    assert rows["imagenet-classification"][2] == "ok" and "ImageNet classification" in rows["imagenet-classification"][3]
    assert rows["fame"][2] == "ok" and rows["fame"][3] == "method FAME (fame)"  # a method-only plugin says so
    n = len(w.engine.catalogue.registry.methods)
    assert f", {n} explanation method{'s' if n != 1 else ''}" in dlg.summary.text()
    assert "broken" in dlg.summary.text()
    item = dlg.tree.findItems("needs-licence-server", Qt.MatchFlag.MatchExactly, 0)[0]
    assert item.childCount() == 1 and dlg.tree.currentItem() is item  # the broken one is selected first
    assert "Traceback" in dlg.details.toPlainText() and "needs a licence server" in dlg.details.toPlainText()
    dlg.tree.expandItem(item)
    assert "RuntimeError" in item.child(0).text(3)
    dlg.close()
    # the other modes work, a third-party task among them (on the generic page)
    page = open_mode(qtbot, w, "imagenet-classification")
    assert page.loader.model is not None
    red = open_mode(qtbot, w, "redness")
    assert type(red).__name__ == "GenericPage" and "Redness" in w.windowTitle()
    red.inputs.load_path("image", str(data_dir / "obama.jpg"))
    qtbot.waitUntil(lambda: red.session.analysis is not None, timeout=30_000)
    assert red.targets.count() == 1 and red.run_targets()[0].key == "red"
    red.params.form.field("iterations").setValue(2)
    red.params.form.field("converge_tolerance").setValue(0.0)
    with qtbot.waitSignal(red.run.finished, timeout=60_000):
        w.act["run"].trigger()
    assert red.session.result().run.iterations.tolist() == [2]
    view = red.input_views["image"]
    assert view.map.shape == (32, 32) and view.badge.text() == "red level · FAME · 2 it."
    w.switch("face-verification")
    drop_files(w, [data_dir / "obama.jpg", data_dir / "obama2.jpg"])
    wait_for_pair(qtbot, w)

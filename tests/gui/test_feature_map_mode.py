"""Feature-map mode: click a cell to run it (outlined), compute all cells in chunks with cancel, mosaic, layers."""

from __future__ import annotations

import pytest
from gui_helpers import click_image, drop_files, open_mode, set_quick_run


@pytest.fixture
def chelsea_png(tmp_path):
    import cv2
    from skimage import data

    path = tmp_path / "chelsea.png"
    cv2.imwrite(str(path), data.chelsea()[:, :, ::-1])
    return path


def _prepared(qtbot, page, photo):
    qtbot.waitUntil(lambda: page.layer.count() > 1, timeout=60_000)  # the model's layers listed (a worker)
    assert drop_files(page.slots["image"], [photo])
    # analysed, and nothing left to prepare (the layer list arriving after the model may re-analyse)
    qtbot.waitUntil(lambda: page.session.analysis is not None and not page.inputs.busy(), timeout=60_000)


def test_clicking_a_cell_runs_it_and_outlines_its_nominal_area(qtbot, window, chelsea_png):
    page = open_mode(qtbot, window, "feature-map")
    _prepared(qtbot, page, chelsea_png)
    g = page.grid
    assert (g.layer, g.rows, g.cols, g.height) == ("_blocks.15", 7, 7, 224)  # the last conv block by default
    assert page.layer.currentData() == "_blocks.15"
    assert not page.run_bar.run_button.isEnabled() and "Click a cell" in page.run_bar.status.text()
    set_quick_run(page, iterations=2)
    with qtbot.waitSignal(page.run.finished, timeout=180_000):
        click_image(qtbot, page.input_view, 112, 16)  # first row, middle column
        assert page.run.running and page.selected == (0, 3)
        click_image(qtbot, page.input_view, 20, 200)  # a click during the run is queued…
        assert page.pending == ((6, 0),) and "queued" in page.run_bar.status.text()
        click_image(qtbot, page.input_view, 112, 16)  # …and the running cell is shown again
    assert page.run.running and page.running_keys() == ("cell_r6_c0",)  # …and runs next
    qtbot.waitUntil(lambda: not page.run.running, timeout=180_000)
    r = page.session.result()
    assert r.keys == ("cell_r0_c3", "cell_r6_c0") and r.run.iterations.tolist() == [2, 2]
    rect = page.input_view.outline.rect()
    assert page.input_view.outline.isVisible()
    assert (rect.left(), rect.top(), rect.right(), rect.bottom()) == (96, 0, 128, 32)
    assert page.input_view.map is not None and "FAME · 2 it." in page.input_view.badge.text()
    f = r.measurements["cells"]["cell_r0_c3"]
    assert page.figures.values["outside"].text() == f"<b>{f['mass_outside']:.1%}</b>" and f["mass_outside"] > 0.5
    assert "2 of 49 cells computed" == page.count.text() and len(page.input_view.marks.data) == 2
    qtbot.waitUntil(lambda: page.slots["image"].view.overlay_item.isVisible(), timeout=30_000)  # on the photo too
    # a computed cell is shown at once, without running again
    click_image(qtbot, page.input_view, 112, 16)
    assert not page.run.running and page.selected == (0, 3) and set(page.session.result().keys) == {"cell_r0_c3",
                                                                                                 "cell_r6_c0"}
    # another layer: another grid (results of the first stay for when it comes back)
    i = page.layer.findData("_blocks.10")
    page.layer.setCurrentIndex(i)
    qtbot.waitUntil(lambda: page.session.analysis is not None and page.grid.layer == "_blocks.10", timeout=60_000)
    assert (page.grid.rows, page.grid.cols) == (14, 14) and page.session.result() is None
    page.layer.setCurrentIndex(page.layer.findData("_blocks.15"))
    qtbot.waitUntil(lambda: page.session.analysis is not None and page.grid.layer == "_blocks.15", timeout=60_000)
    assert len(page.session.result().keys) == 2


def test_compute_all_cells_of_a_face_in_chunks_then_cancel_keeps_finished_chunks(qtbot, window, data_dir):
    w = window
    page = open_mode(qtbot, w, "feature-map")
    page.params.model.setCurrentIndex(page.params.model.findData("arcface-mbf"))
    qtbot.waitUntil(lambda: page.loader.model is not None and page.loader.model.describe()["key"] == "arcface-mbf",
                    timeout=120_000)
    assert not page.params.options_form.widgets.get("image_face") or not page.params.options_form.widgets["image_face"].isVisibleTo(page.params)  # picked in the photo
    assert not page.params.options_form.widgets["preparation"].isVisibleTo(page.params)
    page.params.options_form.widgets["chunk"].setValue(7)
    _prepared(qtbot, page, data_dir / "obama.jpg")
    qtbot.waitUntil(lambda: page.session.analysis is not None and page.session.options["chunk"] == 7, timeout=60_000)
    g = page.grid
    assert (g.layer, g.rows, g.cols, g.height) == ("body.17", 7, 7, 112)  # the aligned face
    assert "Aligned face 112×112" in page.slots["image"].status.text()
    assert len(page.slots["image"].view._annotations) == 3  # the face used: box, landmarks, label
    set_quick_run(page, iterations=2)
    totals = []
    page.run.preview_shown.connect(lambda it: totals.append(page.run.last_progress.total if page.run.last_progress else 0))
    assert page.compute_all()
    assert page.run.running and len(page.run.request.job.targets) == 49
    qtbot.waitUntil(lambda: page.run.last_progress is not None and page.run.last_progress.iteration > 2, timeout=180_000)
    assert page.run.last_progress.total == 14  # 7 chunks × T over one progress bar
    with qtbot.waitSignal(page.run.cancelled, timeout=60_000):
        page.run_bar.cancel_button.click()
    r = page.session.result()
    assert r is not None and 0 < len(r.keys) < 49 and len(r.keys) % 7 == 0  # whole chunks only
    assert set(r.run.stop_reasons) == {"iterations"} and r.run.iterations.tolist() == [2] * len(r.keys)
    assert f"{len(r.keys)} of 49 finished and kept" in page.run_bar.status.text()
    # the mosaic of every computed cell; clicking a tile selects its cell
    page.all_button.click()
    qtbot.waitUntil(lambda: page.mosaic_view.has_image, timeout=30_000)
    assert page.mosaic_view.image_item.image.shape == (7 * 98 - 2, 7 * 98 - 2, 3)
    click_image(qtbot, page.mosaic_view, 98 + 40, 40)  # row 0, column 1
    assert page.selected == (0, 1) and page.stack.currentIndex() == 0 and not page.run.running
    assert page.figures.values["outside"].text() != "–"
    # the remaining cells next
    assert page.all_cells.text() == f"Compute the other {49 - len(r.keys)} cells"

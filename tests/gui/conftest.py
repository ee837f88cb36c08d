"""GUI fixtures: a main window with a temporary settings folder, sharing the session's detector and model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("pytestqt")


def make_window(qtbot, config_dir: Path, detector, face_model, start: bool = True):
    """The main window on its face-verification page, the engine up and the face model loaded."""
    from fame_desktop.gui.settings import AppSettings
    from fame_desktop.gui.shell import MainWindow

    w = MainWindow(AppSettings(config_dir), config_dir / "fame-desktop.log", detector=detector,
                   preloaded_models={("arcface-mbf", None, "auto"): face_model})
    qtbot.addWidget(w)
    w.show()
    if start:
        w.start()
        qtbot.waitUntil(lambda: w.page is not None and w.page.loader.model is not None, timeout=60_000)
    return w


@pytest.fixture(autouse=True)
def unsaved_answers(monkeypatch):
    """Answers to the unsaved-changes question (a modal box would block offscreen): "discard"
    unless a test puts others in the list; every question asked is recorded in `asked`."""
    from fame_desktop.gui import unsaved_changes

    answers: list[str] = []
    asked: list[tuple] = []

    def ask(parent, doing, unsaved, run_going=False):
        asked.append((doing, list(unsaved), run_going))
        return answers.pop(0) if answers else "discard"

    monkeypatch.setattr(unsaved_changes, "ask_save_changes", ask)
    return answers, asked


@pytest.fixture
def config_dir(tmp_path) -> Path:
    d = tmp_path / "config"
    d.mkdir()
    return d


@pytest.fixture
def window(qtbot, config_dir, detector, face_model):
    w = make_window(qtbot, config_dir, detector, face_model)
    yield w
    w.close()


@pytest.fixture
def two_face_png(tmp_path, data_dir) -> Path:
    """obama2 (left, larger face) and biden (right) side by side."""
    a = Image.open(data_dir / "obama2.jpg").convert("RGB")
    b = Image.open(data_dir / "biden.jpg").convert("RGB")
    b = b.resize((round(b.width * a.height / b.height), a.height))
    canvas = Image.new("RGB", (a.width + b.width, a.height))
    canvas.paste(a, (0, 0))
    canvas.paste(b, (a.width, 0))
    path = tmp_path / "two_faces.png"
    canvas.save(path)
    return path


@pytest.fixture
def grey_png(tmp_path) -> Path:
    path = tmp_path / "grey.png"
    Image.fromarray(np.full((300, 400, 3), 128, np.uint8)).save(path)
    return path

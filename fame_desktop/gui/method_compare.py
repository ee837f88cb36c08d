"""The compare view of the method axis: every method the task offers × the maps of what is explained now.

Rows are methods (the task's, in its order), columns the targets the page explains now (a face
pair: gallery / probe × e+ / e−; a class: the class chosen). A cell is the model input with that
method's map in the user's colour map, opacity and normalisation — the same display the page
uses — so methods are compared on equal terms. A row's header states the method's time and
parameters (`tasks.base.method_summary`); a method without a result says so and can be run from
here: `MethodQueue` runs the missing ones one after another through the page's own runner
(progress, cancel, the audit log and the session exactly as a run from the Run button).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from ..core.overlay import overlay
from .colour_bar import rgb_to_qimage
from .layouts import GREY, box, push_button, styled_label

TILE = 132  # pixels of a map tile


def target_columns(page) -> list[tuple[str, str]]:
    """(key, heading) of what the page explains now: its run targets' keys, with their short labels."""
    short = page.short_labels()
    return [(t.key, short.get(t.key, t.label)) for t in page.run_targets()]


def tile_pixmap(rgb: np.ndarray) -> QPixmap:
    """(S, S, 3) uint8 → a TILE-pixel pixmap."""
    return QPixmap.fromImage(rgb_to_qimage(rgb)).scaled(TILE, TILE, Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation)


def method_header(page, method, result) -> str:
    """Rich text: the method's title, kind, and — with a result — its time, parameters and freshness."""
    from ..tasks.base import method_summary

    head = f"<b>{method.title}</b> <span style='color:#8a8f98'>({method.kind})</span>"
    if result is None:
        return head + "<br><span style='color:#8a8f98'>not run on these inputs</span>"
    _title, params = method_summary(result)
    stale = page.session.stale_reasons(result)
    note = f"<br><span style='color:#ffb547'>computed for other inputs ({', '.join(stale)})</span>" if stale else ""
    cancelled = " · cancelled, partial" if result.run.cancelled else ""
    return f"{head}<br>{result.run.elapsed:.2f} s{cancelled}<br><span style='font-size:8pt'>{params}</span>{note}"


class CompareGrid(QWidget):
    """methods × targets, redrawn from the page's session with its display settings (`refresh`)."""

    run_missing = Signal(list)  # method keys without a result, asked to run

    def __init__(self, page, parent=None):
        super().__init__(parent)
        self.page = page
        self.heading = styled_label(wrap=True)
        self.run_button = push_button("Run the methods not yet run", lambda: self.run_missing.emit(self.missing()),
                                      "Each method without a map here runs in turn with its saved parameters "
                                      "(Parameters tab); cancel with the run bar's Cancel")
        self.grid_box = QWidget()
        self.grid = QGridLayout(self.grid_box)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_box)
        box(box((self.heading, 1), self.run_button, row=True), (scroll, 1), on=self, margin=9)
        self.cells: dict[tuple[str, str], QLabel] = {}  # (method key, target key) → its tile

    def methods(self) -> dict:
        return dict(self.page.params.methods)

    def missing(self) -> list[str]:
        s = self.page.session
        return [k for k in self.methods() if s.result(k) is None]

    def refresh(self) -> None:
        while self.grid.count():
            w = self.grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.cells.clear()
        page, s = self.page, self.page.session
        columns = target_columns(page) if s.ready and s.analysis is not None else []
        if not columns:
            self.heading.setText("Open the inputs (and choose what to explain): the maps of every method "
                                 "appear here side by side.")
            self.run_button.setEnabled(False)
            return
        what = page.describe_targets(page.run_targets()) if len(columns) == 1 else ", ".join(c[1] for c in columns)
        self.heading.setText(f"<b>{what}</b> — every method with the same colour map, opacity and "
                             f"{page.shown.map_settings.normalisation} normalisation")
        self.run_button.setEnabled(bool(self.missing()) and not page.run.running)
        if len(columns) == 1:  # one map per method (a class): tiles in rows, each under its method's header
            self._tiles(columns[0][0])
            return
        for c, (_key, label) in enumerate(columns, start=1):
            h = QLabel(f"<b>{label}</b>")
            h.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.grid.addWidget(h, 0, c)
        for r, (mkey, method) in enumerate(self.methods().items(), start=1):
            result = s.result(mkey)
            self.grid.addWidget(self._header(method, result), r, 0)
            if result is None:  # one short row: the methods with maps stay close together
                gap = styled_label("—", GREY)
                gap.setAlignment(Qt.AlignmentFlag.AlignCenter)
                self.grid.addWidget(gap, r, 1, 1, len(columns))
                self.cells.update({(mkey, tkey): gap for tkey, _l in columns})
                continue
            for c, (tkey, _label) in enumerate(columns, start=1):
                cell = self._cell(result, tkey)
                self.cells[(mkey, tkey)] = cell
                self.grid.addWidget(cell, r, c)

    def _tiles(self, key: str, per_row: int = 4) -> None:
        for i, (mkey, method) in enumerate(self.methods().items()):
            result = self.page.session.result(mkey)
            box = QWidget()
            col = QVBoxLayout(box)
            col.setContentsMargins(0, 0, 8, 8)
            cell = self.cells[(mkey, key)] = self._cell(result, key)
            col.addWidget(self._header(method, result))
            col.addWidget(cell)
            col.addStretch(1)
            self.grid.addWidget(box, i // per_row, i % per_row)

    def _header(self, method, result) -> QLabel:
        header = styled_label(method_header(self.page, method, result), wrap=True)
        header.setFixedWidth(190)
        header.setToolTip(method.description)
        return header

    def _cell(self, result, key: str) -> QLabel:
        page = self.page
        cell = QLabel()
        cell.setFixedSize(TILE + 4, TILE + 4)
        cell.setAlignment(Qt.AlignmentFlag.AlignCenter)
        cell.setStyleSheet("background:#26282c; color:#8a8f98; font-size:8pt;")
        if result is None:
            cell.setText("—")
            return cell
        if key not in result.keys:
            cell.setText("no such map\n(one map per input:\nthe similarity only)" if key.endswith("dissimilar")
                         else "not explained\nin this run")
            cell.setWordWrap(True)
            return cell
        m = page.map_of(key, result)
        role = next(t.role for t in result.targets if t.key == key)
        rgb = overlay(result.inputs[role].model_input, m, page.controls.alpha(), page.colour_map())
        cell.setPixmap(tile_pixmap(rgb))
        row = result.per_target()[key]
        cell.setToolTip(f"{result.method.title} · {row['label']} · {row['iterations']} step(s), "
                        f"{row['stop_reason']}")
        return cell


class MethodQueue(QObject):
    """Runs methods one after another through the page's runner, then shows the method chosen before."""

    progressed = Signal(str)  # what happens now, for the window's status line

    def __init__(self, page, parent=None):
        super().__init__(parent)
        self.page = page
        self.pending: list[str] = []
        self.skipped: list[str] = []  # why methods of the current queue did not run
        self.back_to = ""
        page.run.finished.connect(self._next_after_run)
        page.run.discarded.connect(self._next_after_run)
        page.run.cancelled.connect(self._abort)  # a cancel or a failure stops the queue, not only one method
        page.run.failed.connect(self._abort)

    @property
    def busy(self) -> bool:
        return bool(self.pending) or bool(self.back_to)

    def start(self, keys: list[str]) -> None:
        if self.busy or self.page.run.running or not keys:
            return
        self.pending, self.skipped, self.back_to = list(keys), [], self.page.session.method
        self._next()

    def _choose(self, key: str) -> None:
        combo = self.page.params.method
        combo.setCurrentIndex(combo.findData(key))  # the panel shows its parameters; the session follows

    def _abort(self, *_):
        if self.busy:
            if self.pending:
                self.skipped.append("the rest of the queue (a run was cancelled or failed)")
            self.pending = []
            self._next()

    def _next_after_run(self, *_):
        if self.busy and not self.page.run.running:
            self._next()

    def _next(self) -> None:
        page = self.page
        while self.pending:
            key = self.pending.pop(0)
            method = page.params.methods[key]
            if getattr(method, "needs_threshold", False) and page.session.threshold is None:
                self.skipped.append(f"{method.title} (needs the case's decision threshold, Ctrl+T)")
                continue
            self._choose(key)
            if page.run.start():
                self.progressed.emit(f"Running {method.title}… ({len(self.pending)} more after it)")
                return
            self.skipped.append(f"{method.title} (could not start)")
        if self.back_to:
            self._choose(self.back_to)
            self.back_to = ""
            self.progressed.emit("Done." + (f" Not run: {'; '.join(self.skipped)}." if self.skipped else ""))

"""The metrics panel of a class map (issue 16): the object box, IoU, pointing game, ROAD and deletion curves.

The box of the object is drawn on the photograph (a box the user drags and resizes there) or read
from a PASCAL VOC file (ImageNet's bounding boxes: the boxes of the class explained). For every
method with a map of the class explained, `metrics.classification.measure` computes, in a worker:
IoU of the map thresholded at 0.3 / 0.5 / 0.7 with the box and the pointing game (only with a
box), ROAD-Delete at P = 10 / 30 / 50 % and the deletion / insertion curves of the class
probability with their normalised areas — the FAME paper's Tab. 1 for the image on the desk.
The metrics and their box are a measurement of the session (session/measurements.py): the worker's
answer is handed to it, the panel draws from it, and a reopened case shows them and the box as saved.
"""

from __future__ import annotations

import time
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from ..core.errors import FameError
from ..session.measurements import CLASS, ObjectBox, class_measurement
from .faithfulness_panel import PALETTE, curve_plot
from .jobs import start_owned

BOX_PEN = "#4ecdc4"


class BoxTool:
    """A box on the photograph view: a pyqtgraph rectangle the user drags and resizes (photograph pixels)."""

    def __init__(self, view, on_change):
        self.view, self.on_change = view, on_change
        self.roi: pg.RectROI | None = None
        self.source = ""  # "drawn", or the VOC file it came from
        self.label = ""  # the object's name in the VOC file ("drawn" for a box the user drew)
        self.image = None  # the LoadedImage the box was placed on

    def show(self, x0: float, y0: float, x1: float, y1: float, source: str, image, label: str = "drawn") -> None:
        """A box covering pixels x0..x1, y0..y1 (ends included) of the photograph `image` (a LoadedImage)."""
        self.clear()
        self.source, self.image, self.label = source, image, label
        self.roi = pg.RectROI((x0, y0), (x1 - x0 + 1, y1 - y0 + 1), pen=pg.mkPen(BOX_PEN, width=2),
                              removable=False, rotatable=False)
        self.roi.addScaleHandle((0, 0), (1, 1))
        self.roi.sigRegionChangeFinished.connect(self._moved)
        self.view.vb.addItem(self.roi)

    @property
    def photo(self) -> str:
        """SHA-256 of the photograph the box was placed on ("" without a box)."""
        return self.image.sha256 if self.image is not None else ""

    def draw_default(self, image) -> None:
        """A box over the middle half of the photograph (a LoadedImage), to drag onto the object."""
        w, h = image.width, image.height
        self.show(w / 4, h / 4, 3 * w / 4 - 1, 3 * h / 4 - 1, "drawn", image)

    def _moved(self, *_):
        self.source, self.label = "drawn", "drawn"
        self.on_change()

    def clear(self) -> None:
        if self.roi is not None:
            self.view.vb.removeItem(self.roi)
            self.roi = None
        self.source, self.label, self.image = "", "", None

    def boxes(self) -> tuple:
        """The box as metrics.boxes.Box objects (photograph pixels, ends included, cut to the photograph); ()
        without one or when it lies wholly outside."""
        from ..metrics.boxes import Box

        if self.roi is None:
            return ()
        (x, y), (w, h) = self.roi.pos(), self.roi.size()
        W, H = self.image.width - 1, self.image.height - 1
        x0, y0, x1, y1 = max(0.0, float(x)), max(0.0, float(y)), min(W, float(x + w - 1)), min(H, float(y + h - 1))
        return (Box(self.label, x0, y0, x1, y1),) if x0 <= x1 and y0 <= y1 else ()

    def object_box(self) -> ObjectBox | None:
        boxes = self.boxes()
        return ObjectBox(self.source, self.photo, boxes) if boxes else None


class ClassMetricsPanel(QWidget):
    """The metrics of the class explained now, for every method with its map (`refresh`, `compute`)."""

    def __init__(self, page, parent=None):
        super().__init__(parent)
        from ..metrics.classification import MetricSettings

        self.page = page
        self.settings = MetricSettings()
        self.job = None
        self._box_of = None  # the measurement whose box the box tool was set from (a reopened case's)
        self.box = BoxTool(page.slots["image"].view, self.refresh)
        self.draw_button = QPushButton("Draw a box")
        self.draw_button.setToolTip("A box on the photograph: drag it onto the object, resize it by its corners")
        self.draw_button.clicked.connect(self._draw)
        self.load_button = QPushButton("Box file…")
        self.load_button.setToolTip("The object's boxes from a PASCAL VOC file (ImageNet's bounding-box XML)")
        self.load_button.clicked.connect(self._load_dialog)
        self.clear_button = QPushButton("No box")
        self.clear_button.clicked.connect(lambda: (self.box.clear(), self.refresh()))
        self.compute_button = QPushButton("Compute metrics")
        self.compute_button.clicked.connect(self.compute)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        for b in (self.draw_button, self.load_button, self.clear_button, self.compute_button):
            row.addWidget(b)
        row.addWidget(self.status, 1)
        columns = self.settings.columns()
        self.table = QTableWidget(0, 1 + len(columns))
        self.table.setObjectName("class_metrics_table")
        self.table.setHorizontalHeaderLabels(["method", *(h for _k, h, _b in columns)])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMaximumHeight(220)
        x_label, y_label = "P (% of the input's pixels)", "class probability"
        self.deletion_plot = curve_plot("Deletion: the top-P % pixels set to black", x_label, y_label, legend=(-8, 8))
        self.insertion_plot = curve_plot("Insertion: only the top-P % pixels kept", x_label, y_label,
                                         legend=(-8, -8))
        for plot in (self.deletion_plot, self.insertion_plot):
            plot.setYRange(0, 1, padding=0.02)
        plots = QHBoxLayout()
        plots.addWidget(self.deletion_plot)
        plots.addWidget(self.insertion_plot)
        note = QLabel("IoU: the map ≥ 0.3 / 0.5 / 0.7 against the box; pointing: the map's maximum within 15 px of the "
                      "box; ROAD-Del: the class probability after ROAD's noisy imputation of the top P % (lower is "
                      "better); AUC: area under the probability over P. Best per column in bold.")
        note.setWordWrap(True)
        note.setStyleSheet("color:#8a8f98; font-size:8pt;")
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.table)
        lay.addLayout(plots, 1)
        lay.addWidget(note)

    # the box ----------------------------------------------------------------------------
    def _draw(self) -> None:
        inp = self.page.session.inputs.get("image")
        if inp is None:
            return
        self.box.draw_default(inp.image)
        self.refresh()

    def _load_dialog(self) -> None:
        start = self.page.shell.settings.get("recent/boxes", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, "Box file (PASCAL VOC)", start, "VOC XML (*.xml);;All files (*)")
        if path:
            self.page.shell.settings.set("recent/boxes", str(Path(path).parent))
            self.load_box_file(path)

    def load_box_file(self, path) -> bool:
        """Show the file's box(es) of the class explained (the first of them, to adjust); False with the reason."""
        from ..metrics.boxes import read_voc

        index, inp = self.page.class_index, self.page.session.inputs.get("image")
        if inp is None:
            return False
        try:
            boxes = read_voc(path).boxes_of(index) if index is not None else ()
        except FameError as e:
            self.status.setText(str(e))
            return False
        if not boxes:
            self.status.setText(f"{Path(path).name} has no box of class {index}.")
            return False
        b = boxes[0]
        self.box.show(b.xmin, b.ymin, b.xmax, b.ymax, Path(path).name, inp.image, b.label)
        self.refresh()
        return True

    # computing --------------------------------------------------------------------------
    def method_maps(self) -> dict:
        """{method key: map of the class explained} of every current result holding it."""
        page, s, key = self.page, self.page.session, self.page.target_key()
        out = {}
        for mkey in page.params.methods:
            r = s.result(mkey)
            if key is not None and r is not None and key in r.keys and not s.stale_reasons(r) and not r.run.cancelled:
                out[mkey] = page.map_of(key, r)
        return out

    def measurement(self):
        """The session's metrics of the class explained while they hold for the maps shown (None otherwise)."""
        key = self.page.target_key()
        m = None if key is None else self.page.session.current_measurement(CLASS, key)
        return m if m is not None and m.map_settings == self.page.shown.map_settings else None

    @property
    def rows(self) -> dict[str, dict]:
        """{method key: measure()'s metrics} shown."""
        m = self.measurement()
        return {} if m is None else m.values

    def _current(self) -> bool:
        m = self.measurement()
        shown = self.box.object_box()
        return (m is not None and set(m.methods) == set(self.method_maps())
                and (None if m.box is None else m.box.boxes) == (None if shown is None else shown.boxes))

    def compute(self) -> None:
        from ..metrics.classification import measure

        page = self.page
        maps, inp, index = self.method_maps(), page.session.inputs.get("image"), page.class_index
        if self.job is not None or not maps or inp is None or page.loader.model is None:
            return
        session, key, settings = page.session, page.target_key(), page.shown.map_settings
        results = {m: session.result(m) for m in maps}
        model, lock, box, metric_settings = page.loader.model, page.loader.lock, self.box.object_box(), self.settings

        def work(job):
            t0 = time.perf_counter()
            with lock:
                values = measure(model, inp, index, maps, box.boxes if box else (), metric_settings)
            return values, time.perf_counter() - t0

        def done(out):
            self.job = None
            values, seconds = out
            if page.session is session:  # not for a case opened meanwhile
                session.set_measurement(class_measurement(results, key, settings, metric_settings, values, box,
                                                          seconds))
            self.refresh()

        def failed(error, _job):
            self.job = None
            self.status.setText(f"The metrics could not be computed: {error}")
            self.compute_button.setEnabled(True)

        self.status.setText(f"Measuring {len(maps)} map(s)…")
        self.compute_button.setEnabled(False)
        self.job = start_owned(self, page.shell.runner, "class metrics", work, on_success=done, on_failure=failed)

    # drawing ----------------------------------------------------------------------------
    def refresh(self) -> None:
        from ..metrics.classification import best_per_column, table_values

        page = self.page
        inp = page.session.inputs.get("image")
        has_photo = inp is not None
        if self.box.roi is not None and (inp is None or inp.image.sha256 != self.box.photo):
            self.box.clear()  # a box belongs to the photograph it was placed on
        m = self.measurement()
        if m is not None and m is not self._box_of and m.box is not None and self.box.roi is None:
            b = m.box.boxes[0]  # a reopened case: its box, where it was measured
            self.box.show(b.xmin, b.ymin, b.xmax, b.ymax, m.box.source, inp.image, b.label)
        self._box_of = m
        self.draw_button.setEnabled(has_photo)
        self.load_button.setEnabled(has_photo and page.class_index is not None)
        self.clear_button.setEnabled(self.box.roi is not None)
        maps = self.method_maps()
        current = self._current()
        self.compute_button.setEnabled(self.job is None and bool(maps) and not current)
        for plot in (self.deletion_plot, self.insertion_plot):
            plot.clear()
        self.table.setRowCount(0)
        if self.job is not None:
            return
        box = (f"box: {self.box.source}" if self.box.roi is not None
               else "no box: IoU and the pointing game need one (draw it, or a box file)")
        if not maps:
            self.status.setText(f"No method has a map of this class yet. {box}.")
            return
        if not current:
            earlier = page.session.measurements.get((CLASS, page.target_key()))
            why = page.session.measurement_stale_reasons(earlier) if earlier is not None else []
            self.status.setText(f"{len(maps)} method(s) with a map of this class; {box}. Press Compute metrics"
                                + (f" (the earlier metrics no longer hold: {'; '.join(why)})." if why else "."))
            return
        self.status.setText(f"{page.chooser.currentText()}; {box}; measured in {m.seconds:.1f} s.")
        settings = m.metric_settings()
        columns = settings.columns()
        table = {k: table_values(v, settings) for k, v in m.values.items()}
        best = best_per_column(table, settings)
        self.table.setRowCount(len(table))
        colours = {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(page.params.methods)}
        for i, (mkey, values) in enumerate(table.items()):
            title = page.params.methods[mkey].title
            self.table.setItem(i, 0, QTableWidgetItem(title))
            for c, (ckey, _h, _higher) in enumerate(columns, start=1):
                v = values[ckey]
                text = "–" if v is None else (("yes" if v else "no") if ckey == "pointing" else f"{v:.3f}")
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if mkey in best.get(ckey, ()) and len(table) > 1:
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                self.table.setItem(i, c, item)
            v = m.values[mkey]
            pen = pg.mkPen(colours[mkey], width=2)
            p = list(settings.curve_percents)
            self.deletion_plot.plot(p, v["deletion"], pen=pen, name=f"{title} ({v['deletion_auc']:.3f})")
            self.insertion_plot.plot(p, v["insertion"], pen=pen, name=f"{title} ({v['insertion_auc']:.3f})")

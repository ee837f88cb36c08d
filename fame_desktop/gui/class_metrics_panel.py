"""The metrics panel of a class map (issue 16): the object box, IoU, pointing game, ROAD and deletion curves.

The box of the object is drawn on the photograph (a box the user drags and resizes there) or read
from a PASCAL VOC file (ImageNet's bounding boxes: the boxes of the class explained). For every
method with a map of the class explained, `metrics.classification.measure` computes, in a worker:
IoU of the map thresholded at 0.3 / 0.5 / 0.7 with the box and the pointing game (only with a
box), ROAD-Delete at P = 10 / 30 / 50 % and the deletion / insertion curves of the class
probability with their normalised areas — the FAME paper's Tab. 1 for the image on the desk.
"""

from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from ..core.errors import FameError
from .faithfulness_panel import PALETTE, curve_plot
from .jobs import start_owned

BOX_PEN = "#4ecdc4"


class BoxTool:
    """A box on the photograph view: a pyqtgraph rectangle the user drags and resizes (photograph pixels)."""

    def __init__(self, view, on_change):
        self.view, self.on_change = view, on_change
        self.roi: pg.RectROI | None = None
        self.source = ""  # "drawn", or the VOC file it came from
        self.photo = ""  # SHA-256 of the photograph the box was placed on

    def show(self, x0: float, y0: float, x1: float, y1: float, source: str, photo: str) -> None:
        """A box covering pixels x0..x1, y0..y1 (ends included) of the photograph `photo` (its SHA-256)."""
        self.clear()
        self.source, self.photo = source, photo
        self.roi = pg.RectROI((x0, y0), (x1 - x0 + 1, y1 - y0 + 1), pen=pg.mkPen(BOX_PEN, width=2),
                              removable=False, rotatable=False)
        self.roi.addScaleHandle((0, 0), (1, 1))
        self.roi.sigRegionChangeFinished.connect(self._moved)
        self.view.vb.addItem(self.roi)

    def draw_default(self, image) -> None:
        """A box over the middle half of the photograph (a LoadedImage), to drag onto the object."""
        w, h = image.width, image.height
        self.show(w / 4, h / 4, 3 * w / 4 - 1, 3 * h / 4 - 1, "drawn", image.sha256)

    def _moved(self, *_):
        self.source = "drawn"
        self.on_change()

    def clear(self) -> None:
        if self.roi is not None:
            self.view.vb.removeItem(self.roi)
            self.roi = None
        self.source, self.photo = "", ""

    def boxes(self, label: str = "drawn") -> tuple:
        """The box as metrics.boxes.Box objects (photograph pixels, ends included); () without one."""
        from ..metrics.boxes import Box

        if self.roi is None:
            return ()
        (x, y), (w, h) = self.roi.pos(), self.roi.size()
        return (Box(label, float(x), float(y), float(x + w - 1), float(y + h - 1)),)


class ClassMetricsPanel(QWidget):
    """The metrics of the class explained now, for every method with its map (`refresh`, `compute`)."""

    def __init__(self, page, parent=None):
        super().__init__(parent)
        from ..metrics.classification import MetricSettings

        self.page = page
        self.settings = MetricSettings()
        self.job = None
        self.rows: dict[str, dict] = {}  # method key → measure()'s metrics of the state computed for
        self._computed_for = None
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
        self.box.show(b.xmin, b.ymin, b.xmax, b.ymax, Path(path).name, inp.image.sha256)
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

    def _state(self):
        maps = self.method_maps()
        return tuple(sorted((k, id(m)) for k, m in maps.items())), self.page.class_index, self.box.boxes()

    def compute(self) -> None:
        from ..metrics.classification import measure

        page = self.page
        maps, inp, index = self.method_maps(), page.session.inputs.get("image"), page.class_index
        if self.job is not None or not maps or inp is None or page.loader.model is None:
            return
        model, lock, boxes, settings, state = page.loader.model, page.loader.lock, self.box.boxes(), self.settings, \
            self._state()

        def work(job):
            with lock:
                return measure(model, inp, index, maps, boxes, settings)

        def done(rows):
            self.job = None
            self.rows, self._computed_for = rows, state
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
        self.draw_button.setEnabled(has_photo)
        self.load_button.setEnabled(has_photo and page.class_index is not None)
        self.clear_button.setEnabled(self.box.roi is not None)
        maps = self.method_maps()
        current = self._computed_for == self._state()
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
            self.status.setText(f"{len(maps)} method(s) with a map of this class; {box}. Press Compute metrics.")
            return
        self.status.setText(f"{page.chooser.currentText()}; {box}.")
        columns = self.settings.columns()
        table = {m: table_values(v, self.settings) for m, v in self.rows.items()}
        best = best_per_column(table, self.settings)
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
            m = self.rows[mkey]
            pen = pg.mkPen(colours[mkey], width=2)
            p = list(self.settings.curve_percents)
            self.deletion_plot.plot(p, m["deletion"], pen=pen, name=f"{title} ({m['deletion_auc']:.3f})")
            self.insertion_plot.plot(p, m["insertion"], pen=pen, name=f"{title} ({m['insertion_auc']:.3f})")

"""The "Faithfulness" panel of a face pair (issue 15): does the map carry the score, for the pair on the desk?

For one map of the pair (the probe's e+ by default; any of the four can be chosen) and every
method with a result, the top-P % pixels of that face are deleted (Delete) or kept alone (Insert)
while the other face stays as it is, and the similarity is recomputed
(`metrics.face_deletion.pair_faithfulness`: one batch of 11 crops per curve, in a worker). The
curves are drawn per method beside the clean similarity and the case's decision threshold, and a
table gives each curve's normalised area. A faithful e+ makes the similarity fall fast when its
pixels go (small Delete area) and rise fast when they alone stay (large Insert area); for e− the
other way round. The curves are a measurement of the session (session/measurements.py): the
worker's answer is handed to it, the panel draws from it, and a reopened case shows them as saved.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from ..session.measurements import FACE, face_measurement
from .jobs import start_owned

TARGETS = (("probe_similar", "probe e+"), ("probe_dissimilar", "probe e−"), ("gallery_similar", "gallery e+"),
           ("gallery_dissimilar", "gallery e−"))
# one colour per method, in the order the task lists them (ten at most for a face pair); FAME white
PALETTE = ("#e8e8e8", "#ff7f0e", "#1f9bff", "#2ca02c", "#d62728", "#9467bd", "#c49c94", "#e377c2", "#bcbd22",
           "#17becf")


def curve_plot(title: str, x_label: str, y_label: str, legend: tuple[int, int] = (-8, 8)) -> pg.PlotWidget:
    """A plot of a score over P = 0…100 % (no SI prefix on the axes: 0.8 stays 0.8, not 800 × 0.001);
    legend: its offset from a corner (negative: from the right / bottom), where the curves leave room."""
    w = pg.PlotWidget(background="#1e1f22")
    w.setTitle(title, color="#d7dae0", size="10pt")
    w.setLabel("bottom", x_label)
    w.setLabel("left", y_label)
    for axis in ("left", "bottom"):
        w.getAxis(axis).enableAutoSIPrefix(False)
    w.showGrid(x=True, y=True, alpha=0.2)
    w.setXRange(0, 100, padding=0.02)
    w.addLegend(offset=legend, labelTextSize="8pt")
    return w


class FaithfulnessPanel(QWidget):
    """Deletion / insertion curves of one map of the pair for every method with a result (`refresh`, `compute`)."""

    def __init__(self, page, parent=None):
        super().__init__(parent)
        self.page = page
        self.job = None
        self.target = QComboBox()
        for key, label in TARGETS:
            self.target.addItem(label, key)
        self.target.setToolTip("Which face is perturbed, by which of its maps (the other face stays fixed)")
        self.target.currentIndexChanged.connect(lambda _i: self.refresh())
        self.compute_button = QPushButton("Compute curves")
        self.compute_button.setToolTip("Delete / insert the top-P % pixels, P = 0, 10, …, 100, for every method "
                                       "with a map (a batch of 11 crops per curve)")
        self.compute_button.clicked.connect(self.compute)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel("Map"))
        row.addWidget(self.target)
        row.addWidget(self.compute_button)
        row.addWidget(self.status, 1)
        x_label = "P (% of the face's pixels, top of the map first)"
        # a Delete curve falls from the top left, an Insert curve rises to the top right: legends where they are not
        self.delete_plot = curve_plot("Delete: the top-P % pixels set to black", x_label, "cosine similarity",
                                      legend=(8, -8))
        self.insert_plot = curve_plot("Insert: only the top-P % pixels kept", x_label, "cosine similarity",
                                      legend=(8, 8))
        plots = QHBoxLayout()
        plots.addWidget(self.delete_plot)
        plots.addWidget(self.insert_plot)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("faithfulness_table")
        self.table.setHorizontalHeaderLabels(["method", "map", "Delete area ↓ (e+)", "Insert area ↑ (e+)", "seconds"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setMaximumHeight(220)
        self.note = QLabel("Areas: the similarity over P averaged (trapezoids ÷ 100), in units of the cosine. For "
                           "an e− map a faithful map gives the opposite: a large Delete and a small Insert area.")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color:#8a8f98; font-size:8pt;")
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addLayout(plots, 1)
        lay.addWidget(self.table)
        lay.addWidget(self.note)

    # what to measure --------------------------------------------------------------------
    def target_key(self) -> str:
        return self.target.currentData()

    def method_results(self) -> dict:
        """{method key: its current result holding the chosen map}, in the task's method order."""
        s, key = self.page.session, self.target_key()
        out = {}
        for mkey in self.page.params.methods:
            r = s.result(mkey)
            if r is not None and key in r.keys and not s.stale_reasons(r) and not r.run.cancelled:
                out[mkey] = r
        return out

    def measurement(self):
        """The session's curves of the chosen map while they hold for the maps shown (None otherwise)."""
        m = self.page.session.current_measurement(FACE, self.target_key())
        return m if m is not None and m.map_settings == self.page.shown.map_settings else None

    @property
    def results(self) -> dict:
        """{method key: PairFaithfulness} of the curves shown."""
        m = self.measurement()
        return {} if m is None else m.faithfulness()

    def _current(self) -> bool:
        m = self.measurement()
        return m is not None and set(m.methods) == set(self.method_results())

    # computing --------------------------------------------------------------------------
    def compute(self) -> None:
        page = self.page
        results = self.method_results()
        if self.job is not None or not results or page.loader.model is None:
            return
        task, model, lock, settings = page.task, page.loader.model, page.loader.lock, page.shown.map_settings
        session, key = page.session, self.target_key()

        def work(job):
            from ..metrics.face_deletion import pair_faithfulness

            out = {}
            with lock:  # the model is not shared with a running explanation
                for mkey, r in results.items():
                    if job.cancelled:
                        break
                    out[mkey] = pair_faithfulness(task, model, r, settings, targets=(key,))
            return out

        def done(out):
            self.job = None
            if out and page.session is session:  # not for a case opened meanwhile
                session.set_measurement(face_measurement(results, key, settings, out,
                                                         sum(pf.seconds for pf in out.values())))
            self.refresh()

        def failed(error, _job):
            self.job = None
            self.status.setText(f"The curves could not be computed: {error}")
            self.compute_button.setEnabled(True)

        self.status.setText(f"Computing the curves of {len(results)} method(s)…")
        self.compute_button.setEnabled(False)
        self.job = start_owned(self, page.shell.runner, "faithfulness curves", work, on_success=done,
                               on_failure=failed)

    # drawing ----------------------------------------------------------------------------
    def refresh(self) -> None:
        page, s = self.page, self.page.session
        results = self.method_results()
        current = self._current()
        self.compute_button.setEnabled(self.job is None and bool(results) and not current)
        for plot in (self.delete_plot, self.insert_plot):
            plot.clear()
        self.table.setRowCount(0)
        if self.job is not None:
            return
        if not results:
            self.status.setText("No method has a map of this face yet: run one (or several, from Compare).")
            return
        if not current:
            earlier = s.measurements.get((FACE, self.target_key()))
            why = s.measurement_stale_reasons(earlier) if earlier is not None else []
            self.status.setText(f"{len(results)} method(s) with this map: press Compute curves"
                                + (f" (the earlier curves no longer hold: {'; '.join(why)})." if why else "."))
            return
        a = s.analysis.summary["similarity"]
        theta = s.threshold
        self.status.setText(f"Clean similarity {a:.3f}" + (f"; threshold θ = {theta.value:.3f} ({theta.source})"
                                                           if theta is not None else "; no decision threshold set"))
        key = self.target_key()
        colours = {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(page.params.methods)}
        for plot in (self.delete_plot, self.insert_plot):
            plot.addItem(pg.InfiniteLine(a, angle=0, pen=pg.mkPen("#8a8f98", style=Qt.PenStyle.DashLine),
                                         label="clean", labelOpts={"position": 0.5, "color": "#8a8f98"}))
            if theta is not None:
                plot.addItem(pg.InfiniteLine(theta.value, angle=0, pen=pg.mkPen("#ffb547", width=1.5),
                                             label="θ", labelOpts={"position": 0.05, "color": "#ffb547"}))
        rows = []
        m = self.measurement()
        for mkey, pf in m.faithfulness().items():
            title = page.params.methods[mkey].title
            curves = {m: pf.curve(key, m) for m in ("delete", "insert")}
            pen = pg.mkPen(colours[mkey], width=2)
            self.delete_plot.plot(curves["delete"].percentages, curves["delete"].similarity, pen=pen, name=title,
                                  symbol="o", symbolSize=4, symbolBrush=colours[mkey])
            self.insert_plot.plot(curves["insert"].percentages, curves["insert"].similarity, pen=pen, name=title,
                                  symbol="o", symbolSize=4, symbolBrush=colours[mkey])
            empty = " (empty map)" if key in pf.empty else ""
            rows.append((title, self.target.currentText() + empty, curves["delete"].area, curves["insert"].area,
                         pf.seconds))
        self.table.setRowCount(len(rows))
        for i, (title, label, dele, ins, sec) in enumerate(rows):
            for c, text in enumerate((title, label, f"{dele:.3f}", f"{ins:.3f}", f"{sec:.1f}")):
                item = QTableWidgetItem(text)
                if c >= 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, c, item)
        kind = "e+" if key.endswith("_similar") else "e−"
        self.table.setHorizontalHeaderLabels(["method", "map", f"Delete area {'↓' if kind == 'e+' else '↑'}",
                                              f"Insert area {'↑' if kind == 'e+' else '↓'}", "seconds"])

"""The face page's Evidence tab: the calibrated likelihood ratio with its Tippett plot and score histograms,
image quality, the facial regions of the maps, and the examiner's checklist and conclusion (evidence_record.py).

A view of the session's evidence (session/evidence.py): it redraws from the session whenever the
inputs, the answer, the result, the threshold or the evidence change, and changes the session
only through its methods, so every choice lands in the audit log. Without a calibration the
score stays a cosine, as the score panel says.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QLabel, QScrollArea, QSizePolicy, QTableWidget,
    QTableWidgetItem, QToolBox, QWidget,
)

from ..core.evidence.evidence_facts import CALIBRATION_CAVEATS, log10_text, lr_text
from ..core.evidence.face_regions import REGION_COLOURS, REGION_LABELS, REGIONS
from ..core.evidence.quality import MEASURES, measure_text, quality_flags
from ..session import evidence
from .evidence_record import ChecklistTable, ConclusionForm
from .layouts import GREY, box, fit_rows, push_button, quiet, read_only_table, styled_label

CALIBRATION_FILTER = "Calibrations (*.famecal);;All files (*)"
GENUINE, IMPOSTOR, CASE = (80, 150, 240), (235, 90, 80), (255, 255, 255)
BAR_COLOURS = ((250, 200, 60), (170, 130, 40), (90, 200, 240), (50, 120, 160))  # G e+, G e−, P e+, P e−
FLAG = "#ffb547"
MAP_COLUMNS = (("gallery_similar", "G e+"), ("gallery_dissimilar", "G e−"), ("probe_similar", "P e+"),
               ("probe_dissimilar", "P e−"))


def score_line(session) -> tuple[str, str]:
    """(rich text, tooltip) of the LR for the score panel; ("", "") without a calibration or a score."""
    lr, cal = evidence.likelihood_ratio(session), session.evidence.calibration
    if lr is None:
        return "", ""
    bound = "" if lr.bound is None else f" · capped at the ELUB {lr.bound} bound"
    text = (f"<span style='font-size:12pt'>LR <b>{lr_text(lr.lr)}</b></span> (log10 {log10_text(lr.log10_lr)}"
            f"{bound}) · <i>{escape(lr.verbal.short)}</i> · calibration “{escape(cal.description)}”")
    tip = (f"ENFSI verbal equivalent: {lr.verbal.text}\n\nLikelihood ratio from the calibration "
           f"“{cal.description}”\n{cal.summary()}\n\n"
           + "\n".join(CALIBRATION_CAVEATS))
    return text, tip


def _table(rows: int, headers: list[str], name: str) -> QTableWidget:
    t = read_only_table(rows, headers, name)
    t.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
    return t


def _cell(text: str, tip: str = "", colour: str | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(tip)
    if colour:
        item.setForeground(pg.mkColor(colour))
    return item


def _plot(title: str, x_label: str = "", y_label: str = "", legend_columns: int = 1) -> pg.PlotWidget:
    p = pg.PlotWidget(title=title)
    p.setMinimumHeight(150)
    p.setLabel("bottom", x_label)
    p.setLabel("left", y_label)
    p.addLegend(offset=(5, 5), labelTextSize="8pt", colCount=legend_columns)
    p.setMouseEnabled(False, False)
    p.hideButtons()
    for axis in ("bottom", "left"):
        p.getAxis(axis).enableAutoSIPrefix(False)  # cosine scores, not thousandths of them
    return p


class CalibrationView(QWidget):
    """The calibration chosen, the case's LR, its Tippett plot and score histograms, thresholds from it."""

    def __init__(self, panel):
        super().__init__()
        self.panel = panel
        # line breaks of their own, no word wrap: a wrapped label in a scrolled section would be cut short
        self.summary = QLabel()
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.lr = styled_label(name="evidence_lr")
        for label in (self.summary, self.lr):  # never shorter than their lines
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.load_button = push_button("Load calibration…", panel.choose_calibration,
                                       "A .famecal file made by `fame calibrate` with this face model")
        self.remove_button = push_button("Remove", lambda: panel.session.set_calibration(None))
        self.rule = QComboBox()
        self.rule.setToolTip("A decision threshold from the calibration's scores, recorded with its source")
        self.threshold_button = push_button("Use as threshold", panel.threshold_from_calibration)
        self.tippett = _plot("Tippett plot", "log10 LR", "share of pairs ≥ x")
        self.histogram = _plot("Calibration scores", "cosine score", "density")
        box(self.lr, self.summary, box(self.load_button, self.remove_button, row=True),
            box((self.rule, 1), self.threshold_button, row=True), self.tippett, self.histogram, 1, on=self, margin=2)

    def render(self, session) -> None:
        cal, lr = session.evidence.calibration, evidence.likelihood_ratio(session)
        has = cal is not None
        for w in (self.remove_button, self.rule, self.threshold_button, self.tippett, self.histogram):
            w.setVisible(has)
        if not has:
            self.lr.setText("<b>No calibration</b>: the score is a cosine, a model<br>output — not a measure of "
                            "evidential strength.")
            self.summary.setText(f"<span style='{GREY}'>Load a calibration made with this face model<br>on pairs "
                                 "like the case's to state the score<br>as a likelihood ratio.</span>")
            return
        m, p = cal.metrics, cal.doc["pairs"]
        lo, hi = cal.elub
        self.summary.setText(
            f"Calibration <b>{escape(cal.description)}</b><br>{p['genuine']} genuine / {p['impostor']} impostor "
            f"pairs, {cal.kind}<br>Cllr {m['cllr']:.3f} · Cllr<sub>min</sub> {m['cllr_min']:.3f} · EER "
            f"{m['eer']:.1%}<br>ELUB: LR from {lr_text(10 ** lo)} to {lr_text(10 ** hi)}<br>"
            f"<span style='{GREY}'>SHA-256 {cal.sha256[:16]}…</span>")
        self.summary.setToolTip(f"{cal.summary()}\n\n" + "\n".join(CALIBRATION_CAVEATS))
        if lr is None:
            self.lr.setText("<b>Likelihood ratio</b>: waiting for the score")
        else:
            bound = "" if lr.bound is None else f", capped at the ELUB {lr.bound} bound"
            self.lr.setText(f"<span style='font-size:13pt'>LR <b>{lr_text(lr.lr)}</b></span> (log10 "
                            f"{log10_text(lr.log10_lr)}{bound})<br><i>{escape(lr.verbal.short)}</i>")
            self.lr.setToolTip(score_line(session)[1])
        self._rules(cal)
        self._plots(cal, lr, session)

    def _rules(self, cal) -> None:
        current = self.rule.currentData()
        with quiet(self.rule):
            self.rule.clear()
            self.rule.addItem(f"EER threshold ({cal.metrics['eer']:.1%})", None)
            for op in cal.metrics.get("operating_points", []):
                if op["measurable"]:
                    self.rule.addItem(f"FMR ≤ {op['target_fmr']:g} (FNMR {op['fnmr']:.1%})", op["target_fmr"])
            self.rule.setCurrentIndex(max(self.rule.findData(current), 0))

    def _plots(self, cal, lr, session) -> None:
        t, h = cal.tippett(), cal.histograms()
        self.tippett.clear()
        self.histogram.clear()
        for name, colour in (("genuine", GENUINE), ("impostor", IMPOSTOR)):
            d = t[name]
            self.tippett.plot(d["log10_lr"], d["share_at_or_above"], pen=pg.mkPen(colour, width=2),
                              stepMode=None, name="same person" if name == "genuine" else "different people")
            self.histogram.plot(h["edges"], h[name], stepMode="center", pen=pg.mkPen(colour, width=2),
                                fillLevel=0, brush=(*colour, 60))
        if lr is not None:
            for plot, x in ((self.tippett, lr.log10_lr), (self.histogram, lr.score)):
                plot.addItem(pg.InfiniteLine(x, angle=90, pen=pg.mkPen(CASE, width=2, style=Qt.PenStyle.DashLine),
                                             label="case", labelOpts={"position": 0.9, "color": CASE}))
        if session.threshold is not None:
            self.histogram.addItem(pg.InfiniteLine(session.threshold.value, angle=90,
                                                   pen=pg.mkPen(FLAG, width=1, style=Qt.PenStyle.DotLine)))


class QualityView(QWidget):
    """Each face's quality measures, a flagged value in amber, and the flags with the source of their limits."""

    def __init__(self):
        super().__init__()
        self.table = _table(len(MEASURES), ["Measure", "Gallery", "Probe"], "evidence_quality")
        self.flags = styled_label(wrap=True)
        box(self.table, self.flags, 1, on=self, margin=2)

    def render(self, session) -> None:
        qs, cal = evidence.qualities(session), session.evidence.calibration
        ranges = cal.doc.get("quality_ranges") if cal is not None else None
        source = f"calibration “{cal.description}”" if cal is not None else ""
        flags = {side: quality_flags(q, ranges, source) for side, q in qs.items()}
        for row, (key, (label, unit)) in enumerate(MEASURES.items()):
            self.table.setItem(row, 0, _cell(label, unit))
            for col, side in enumerate(("gallery", "probe"), 1):
                q = qs.get(side)
                value = None if q is None else q.measures()[key]
                mine = [f for f in flags.get(side, []) if f.measure == key]
                self.table.setItem(row, col, _cell(measure_text(key, value),
                                                   "\n".join(f"{f.text} ({f.source})" for f in mine),
                                                   FLAG if mine else None))
        self.table.resizeColumnsToContents()
        fit_rows(self.table)
        lines = [f"<b>{side}</b>: {escape(f.text)} <span style='{GREY}'>({escape(f.source)})</span>"
                 for side, fs in flags.items() for f in fs]
        self.flags.setText("<br>".join(lines) if lines else
                           f"<span style='{GREY}'>{'No measure lies outside the stated limits.' if qs else ''}</span>")


class RegionsView(QWidget):
    """Each map's share of its mass per facial region (a reading aid), as a table and a bar chart."""

    def __init__(self):
        super().__init__()
        self.table = _table(len(REGIONS), ["Region", "area", *[h for _, h in MAP_COLUMNS]], "evidence_regions")
        self.chart = _plot("share of each map's mass", legend_columns=5)
        self.chart.getAxis("bottom").setTicks([[(i, REGION_LABELS[r].split(" ")[0]) for i, r in enumerate(REGIONS)]])
        self.note = styled_label("Shares of the maps shown, over regions drawn from the five landmarks "
                                 "(docs/evidence.md); the area column is a uniform map's share. A reading aid, not a "
                                 "comparison of features.", GREY, wrap=True)
        box(self.table, self.chart, self.note, on=self, margin=2)

    def render(self, session) -> None:
        summary = evidence.region_summary(session)
        self.chart.clear()
        shares = summary.shares if summary is not None else {}
        areas = summary.areas.get("gallery", {}) if summary is not None else {}
        for row, region in enumerate(REGIONS):
            self.table.setItem(row, 0, _cell(REGION_LABELS[region]))
            self.table.item(row, 0).setForeground(pg.mkColor(REGION_COLOURS[region]))
            self.table.setItem(row, 1, _cell(f"{areas[region]:.0%}" if region in areas else "–"))
            for col, (key, _) in enumerate(MAP_COLUMNS, 2):
                s = shares.get(key)
                self.table.setItem(row, col, _cell("–" if s is None else f"{s[region]:.0%}"))
        self.table.resizeColumnsToContents()
        fit_rows(self.table)
        bars = [("area", areas or None, (120, 120, 120))] + [
            (label, shares.get(key), colour) for (key, label), colour in zip(MAP_COLUMNS, BAR_COLOURS)]
        width = 0.84 / len(bars)
        for i, (label, s, colour) in enumerate(bars):
            if s is None:
                continue
            x = np.arange(len(REGIONS)) - 0.42 + width * (i + 0.5)
            self.chart.addItem(pg.BarGraphItem(x=x, height=[s[r] for r in REGIONS], width=width, brush=colour,
                                               pen=None, name=label))


class EvidencePanel(QToolBox):
    """The Evidence tab of the face page (module docstring)."""

    def __init__(self, page):
        super().__init__()
        self.setObjectName("evidence_panel")
        self.page = page
        self.session = page.session
        self.calibration = CalibrationView(self)
        self.quality = QualityView()
        self.regions = RegionsView()
        self.checklist = ChecklistTable(self)
        self.conclusion = ConclusionForm(self)
        for w, title in ((self.calibration, "Likelihood ratio"), (self.quality, "Image quality"),
                         (self.regions, "Facial regions of the maps"), (self.checklist, "FISWG checklist"),
                         (self.conclusion, "Conclusion and sign-off")):
            scroll = QScrollArea()  # word-wrapped texts keep their height; a long section scrolls
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # texts wrap instead
            scroll.setWidget(w)
            self.addItem(scroll, title)

    def bind(self, session) -> None:
        """Show `session` and follow its events (the page disconnects the previous session's)."""
        self.session = session
        ev = session.events
        for signal in (ev.analysis, ev.results, ev.parameters, ev.evidence, ev.case):
            signal.connect(self.render)
        ev.inputs.connect(lambda _role: self.render())
        self.render()

    def render(self) -> None:
        s = self.session
        for view in (self.calibration, self.quality, self.regions, self.checklist, self.conclusion):
            view.render(s)

    # actions ----------------------------------------------------------------------------------
    def choose_calibration(self) -> None:
        from ..core.errors import FameError
        from ..core.evidence.calibration import load_calibration
        from ..tasks.result import describe_model

        model = self.page.loader.model
        if model is None:
            self.page.shell.messages.warning("No face model yet", "The face model is still loading: a calibration "
                                                                  "is checked against it.")
            return
        start = self.page.shell.settings.get("evidence/calibration_dir", "")
        path, _ = QFileDialog.getOpenFileName(self, "Choose a calibration", start, CALIBRATION_FILTER)
        if not path:
            return
        try:
            self.session.set_calibration(load_calibration(path), describe_model(model))
        except FameError as e:
            self.page.shell.messages.error("Cannot use this calibration", e)
            return
        from pathlib import Path

        self.page.shell.settings.set("evidence/calibration_dir", str(Path(path).parent))

    def threshold_from_calibration(self) -> None:
        from ..core.errors import FameError

        cal = self.session.evidence.calibration
        try:
            t = cal.threshold(self.calibration.rule.currentData())
            self.page.apply_threshold((t.value, t.source))
        except FameError as e:
            self.page.shell.messages.error("Cannot take this threshold", e)

    def act(self, title: str, change) -> bool:
        """Run an edit of the session's evidence record; a refused one is said in a message (False)."""
        from ..core.errors import FameError

        try:
            change()
        except FameError as e:
            self.page.shell.messages.warning(title, str(e))
            self.render()
            return False
        return True

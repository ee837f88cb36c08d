"""Refine: take the Fast result shown on to the Reference preset's iterations, without starting again.

Each map goes on from where adaptive stopping left it (core.fame `start=`), with the live
preview of any run; the result then replaces the Fast one, under the parameters
"reference (continued from fast)" (core.presets.refine_params). The button shows only
while a Fast result is shown and no run is going on.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from ..core.presets import PRESETS, REFINED, refine_params
from ..report.text import agreement


def agreement_caption(a: dict | None) -> str:
    """A second badge line 'vs Reference r ≈ 0.99 (≥ 0.95)' for a map with an agreement estimate
    (core.agreement: expected r, conservative lower figure), else ''."""
    return f"\nvs Reference {agreement(a)} est." if a else ""


class RefineButton(QPushButton):
    def __init__(self, page):
        super().__init__("Refine to Reference")
        self.setObjectName("refine_to_reference")
        self.page = page
        self.setToolTip(f"Continue every map of this Fast result to the Reference preset's "
                        f"{PRESETS['reference'].iterations} iterations from where it stopped (no restart); "
                        "the maps then equal the Reference maps up to float rounding")
        self.clicked.connect(lambda _=False: self.refine())

    def _refinable(self):
        """(result, params to continue with) or None."""
        p = self.page
        result = p.session.result()
        if result is None or result.method.key != "fame" or result.run.cancelled or p.run.running:
            return None
        params = refine_params(result.run.params, result.run.iterations.tolist())
        return None if params is None else (result, params)

    def update_state(self) -> None:
        self.setVisible(self._refinable() is not None)

    def refine(self) -> bool:
        found = self._refinable()
        if found is None:
            return False
        result, params = found
        started = self.page.run.start(list(result.targets), params, result.run)
        if started:
            self.page.run.finished.connect(self._say_refined, Qt.ConnectionType.SingleShotConnection)
        return started

    def _say_refined(self, result) -> None:
        """The run bar says what the finished result is (a cancelled refine leaves the Fast result's words)."""
        if result is not None and result.run.params.preset == REFINED:
            self.page.run_bar.status.setText(
                f"Refined: every map continued from where Fast stopped to {result.run.params.iterations} "
                "iterations — the Reference preset's maps up to float rounding.")

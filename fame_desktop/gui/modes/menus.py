"""Menus and toolbar of the task modes, beside the face mode's.

The face mode's actions (opening gallery/probe, paste, threshold, landmarks, run, e+/e−
views, …) are hidden in a task mode — a hidden action is also disabled, so its shortcut
(Ctrl+O, F5, Esc, O, …) goes to the task mode's action with the same shortcut instead.
Rule: every action of File (except Quit), Edit, Run and View (except the panels toggle)
that exists when the modes are installed belongs to the face mode.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMenu, QToolBar, QWidget

from ..actions import make_action


def _menus(window) -> dict[str, QMenu]:
    return {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions() if a.menu() is not None}


class ModeMenus:
    """Installs the mode selector, the View ▸ Mode menu, Help ▸ Plugins… and the task actions."""

    def __init__(self, window, host):
        self.w, self.host = window, host
        menus = _menus(window)
        self.toolbar = window.findChild(QToolBar, "main_toolbar")
        self.face_actions = self._face_actions(window, menus)
        page = host.page

        a = self.task_actions = {
            "open": make_action(window, "&Open image…", lambda: page().open_dialog(), QKeySequence.StandardKey.Open,
                            "Open the photograph to analyse"),
            "paste": make_action(window, "&Paste image", lambda: page().paste(), QKeySequence.StandardKey.Paste,
                             "Paste an image (or image file) from the clipboard"),
            "export": make_action(window, "&Export report…", lambda: page().export_report(), "Ctrl+E",
                              "Write the PDF report of the maps shown (task modes)"),
            "run": make_action(window, "&Explain with FAME", lambda: page().run(),
                           [QKeySequence("F5"), QKeySequence("Ctrl+R")], "Run FAME on what is chosen (class, cell)"),
            "cancel": make_action(window, "&Cancel run", lambda: page().cancel(), None,
                              "Stop the run before its next iteration (Esc)"),
            "all_cells": make_action(window, "Compute &all cells", lambda: page().compute_all(), "Ctrl+Shift+R",
                                 "Every remaining cell of the layer as one batched job"),
            "escape": make_action(window, "Escape", lambda: page().cancel(), QKeySequence("Esc")),
            "original": make_action(window, "Show &originals (no maps, no marks)", lambda on: page().set_show_original(on),
                                "O", "The unprocessed photograph and model input, without overlays", True),
            "fit": make_action(window, "&Fit images to views", lambda: page().fit(), "Ctrl+0"),
        }
        file_menu, edit, run, view = (menus[k] for k in ("File", "Edit", "Run", "View"))
        quit_action = next(x for x in file_menu.actions() if x.text().replace("&", "") == "Quit")
        for key in ("open", "export"):
            file_menu.insertAction(quit_action, a[key])
        self.file_separator = file_menu.insertSeparator(quit_action)
        edit.addAction(a["paste"])
        for key in ("run", "cancel", "all_cells"):
            run.addAction(a[key])
        window.addAction(a["escape"])
        self.mode_menu = QMenu("&Mode", view)
        self.mode_group = QActionGroup(window)
        first = view.actions()[0] if view.actions() else None
        view.insertMenu(first, self.mode_menu)
        view.insertSeparator(first)
        view.insertAction(first, a["original"])
        view.insertAction(first, a["fit"])
        help_menu = menus["Help"]
        help_menu.addAction(make_action(window, "&Plugins…", host.show_plugins,
                                    tip="Every task plugin with its status; why a broken one failed"))

        self.selector = QComboBox()
        self.selector.setObjectName("mode_selector")
        self.selector.setToolTip("The task: face verification, ImageNet classification, feature-map receptive "
                                 "fields, or a plugin's (View ▸ Mode)")
        self.selector.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.selector.setMinimumContentsLength(24)
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(4, 0, 8, 0)
        row.addWidget(QLabel("Mode"))
        row.addWidget(self.selector)
        if self.toolbar is not None:
            first_tb = self.toolbar.actions()[0] if self.toolbar.actions() else None
            self.toolbar.insertWidget(first_tb, box)
            self.toolbar.insertSeparator(first_tb)
            self.task_separator = self.toolbar.addSeparator()
            for key in ("open", "run", "cancel", "original"):
                self.toolbar.addAction(a[key])
        self.set_task_mode(False)

    @staticmethod
    def _face_actions(window, menus: dict[str, QMenu]) -> list[QAction]:
        acts = [x for x in menus["File"].actions() if x.text().replace("&", "") != "Quit"]
        acts += menus["Edit"].actions() + menus["Run"].actions()
        acts += [x for x in menus["View"].actions() if x is not window.dock.toggleViewAction()]
        acts.append(window.act_escape)
        toolbar = window.findChild(QToolBar, "main_toolbar")
        if toolbar is not None:
            acts += [x for x in toolbar.actions() if x.isSeparator()]
        return acts

    # modes ------------------------------------------------------------------------------
    def add_mode(self, key: str, title: str, usable: bool = True, tip: str = "") -> None:
        self.selector.addItem(title, key)
        i = self.selector.count() - 1
        act = QAction(title, self.w)
        act.setCheckable(True)
        act.setData(key)
        act.setEnabled(usable)
        act.triggered.connect(lambda _=False, k=key: self.host.switch(k))
        self.mode_group.addAction(act)
        self.mode_menu.addAction(act)
        if not usable:
            self.selector.model().item(i).setEnabled(False)
        if tip:
            self.selector.setItemData(i, tip, 3)  # Qt.ToolTipRole
            act.setToolTip(tip)

    def show_mode(self, key: str) -> None:
        self.selector.blockSignals(True)
        self.selector.setCurrentIndex(max(0, self.selector.findData(key)))
        self.selector.blockSignals(False)
        for act in self.mode_group.actions():
            act.setChecked(act.data() == key)

    def set_task_mode(self, on: bool) -> None:
        """Show the task mode's actions and hide the face mode's, or the other way round."""
        for act in self.face_actions:
            act.setVisible(not on)
        for key, act in self.task_actions.items():
            act.setVisible(on and (key != "all_cells" or self.host.current == "feature-map"))
        self.file_separator.setVisible(on)
        self.w.engine_label.setVisible(not on)  # the face model's status; a task page shows its own model
        if self.toolbar is not None:
            self.task_separator.setVisible(on)

    def refresh(self, page) -> None:
        """Enable the task actions for the page's state."""
        a = self.task_actions
        why = page.blocker()
        run_why = why or page.target_blocker()
        a["run"].setEnabled(not run_why)
        a["run"].setToolTip(run_why or "Run FAME on what is chosen (F5)")
        a["cancel"].setEnabled(page.running)
        a["export"].setEnabled(page.can_export() and not page.running)
        a["all_cells"].setEnabled(not why and hasattr(page, "compute_all"))
        a["original"].blockSignals(True)
        a["original"].setChecked(page.show_original)
        a["original"].blockSignals(False)

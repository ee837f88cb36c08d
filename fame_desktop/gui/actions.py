"""Menus, toolbar and keyboard shortcuts of the main window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

from .inputs import ROLES


def make_action(window, text: str, slot, shortcut=None, tip: str = "", checkable: bool = False) -> QAction:
    """A QAction with its shortcut(s), tool and status tip, connected to `slot`."""
    act = QAction(text, window)
    if shortcut is not None:
        act.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
    if tip:
        act.setToolTip(tip)
        act.setStatusTip(tip)
    act.setCheckable(checkable)
    act.triggered.connect(slot)
    return act


class RecentMenus:
    """File ▸ Open recent as gallery / as probe, kept in step with the settings."""

    def __init__(self, window, menus: dict[str, QMenu]):
        self.window, self.menus = window, menus

    def refresh(self, items: list[str]) -> None:
        for role, menu in self.menus.items():
            menu.clear()
            if not items:
                menu.addAction("No recent files").setEnabled(False)
            for path in items:
                act = menu.addAction(Path(path).name)
                act.setToolTip(path)
                act.setStatusTip(path)
                act.triggered.connect(lambda _=False, p=path, r=role: self.window.inputs.load_path(r, p))
            menu.addSeparator()
            menu.addAction("Clear recent files", self._clear)

    def _clear(self) -> None:
        self.window.settings.clear_recent_files()
        self.window.refresh_recent([])


def _cancel_or_escape(w) -> None:
    """Esc leaves landmark placing first; otherwise it cancels a run."""
    for slot in w.slots.values():
        if slot.cancel_landmarks():
            w.inputs.restore_slot(slot.role)
            return
    w.run.cancel()


def build_menus(w) -> None:
    mb = w.menuBar()
    file = mb.addMenu("&File")
    w.file_menu = file  # case_actions / report_actions add their entries to it
    w.act_open = {
        "gallery": make_action(w, "Open &gallery…", lambda: w.open_dialog("gallery"), QKeySequence.StandardKey.Open),
        "probe": make_action(w, "Open &probe…", lambda: w.open_dialog("probe"), "Ctrl+Shift+O"),
    }
    for role in ROLES:
        file.addAction(w.act_open[role])
    recent = {role: file.addMenu(f"Open recent as {role}") for role in ROLES}
    w.recent_menus = RecentMenus(w, recent)
    file.addSeparator()
    w.act_quit = make_action(w, "&Quit", w.close, QKeySequence.StandardKey.Quit)
    file.addAction(w.act_quit)

    edit = mb.addMenu("&Edit")
    edit.addAction(make_action(w, "&Paste image", lambda: w.paste(None), QKeySequence.StandardKey.Paste,
                           "Paste an image (or image file) from the clipboard into the first empty slot"))
    edit.addAction(make_action(w, "Paste as gallery", lambda: w.paste("gallery"), "Ctrl+Shift+1"))
    edit.addAction(make_action(w, "Paste as probe", lambda: w.paste("probe"), "Ctrl+Shift+2"))
    edit.addSeparator()
    edit.addAction(make_action(w, "Set &threshold…", w.edit_threshold, "Ctrl+T",
                           "A decision threshold with where it comes from"))
    for role in ROLES:
        edit.addAction(make_action(w, f"Place {role} landmarks by hand…", w.slots[role].start_landmarks))

    run = mb.addMenu("&Run")
    w.act_run = make_action(w, "&Explain with FAME", w.run.start, [QKeySequence("F5"), QKeySequence("Ctrl+R")],
                        "Run FAME on the two aligned faces")
    w.act_cancel = make_action(w, "&Cancel run", lambda: w.run.cancel(), None,
                           "Stop the run before its next iteration; the last complete result stays (Esc)")
    w.act_cancel.setShortcutVisibleInContextMenu(True)
    run.addAction(w.act_run)
    run.addAction(w.act_cancel)
    # Esc: always enabled (the Cancel action is disabled while nothing runs)
    w.act_escape = make_action(w, "Escape", lambda: _cancel_or_escape(w), QKeySequence("Esc"))
    w.addAction(w.act_escape)

    view = mb.addMenu("&View")
    w.act_original = make_action(w, "Show &originals (no maps, no marks)", w.set_show_original, "O",
                             "The unprocessed photographs and crops, without overlays or face marks", True)
    view.addAction(w.act_original)
    view.addAction(make_action(w, "&Fit images to views", lambda: _fit_all(w), "Ctrl+0"))
    view.addSeparator()
    for label, kind, key in (("Similar maps (e+) on both faces", "similar", "Ctrl+1"),
                             ("Dissimilar maps (e−) on both faces", "dissimilar", "Ctrl+2"),
                             ("No maps", None, "Ctrl+3")):
        view.addAction(make_action(w, label, lambda _=False, k=kind: _both(w, k), key))
    view.addSeparator()
    view.addAction(w.dock.toggleViewAction())

    help_menu = mb.addMenu("&Help")
    help_menu.addAction(make_action(w, "&About fame-desktop", lambda: _about(w), "F1"))

    tb = QToolBar("Main")
    tb.setObjectName("main_toolbar")
    tb.setMovable(False)
    for act in (w.act_open["gallery"], w.act_open["probe"]):
        tb.addAction(act)
    tb.addSeparator()
    tb.addAction(w.act_run)
    tb.addAction(w.act_cancel)
    tb.addSeparator()
    tb.addAction(w.act_original)
    w.addToolBar(tb)
    w.refresh_recent()


def _fit_all(w) -> None:
    for slot in w.slots.values():
        slot.view.fit()
    w.review.views["gallery"].fit()


def _both(w, kind) -> None:
    for t in w.review.toggles.values():
        t.set_kind(kind)


def _about(w) -> None:
    from .dialogs import show_about

    model = w.engine.model
    w.about_box = show_about(w, model.describe() if model is not None else None,
                             str(model.device) if model is not None else "")

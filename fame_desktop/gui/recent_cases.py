"""File ▸ Open recent case: the last case files opened or saved (kept in the app settings); the recent
photographs' menus are filled the same way (`add_recent_items`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMenu

KEY = "recent/cases"
FOLDER_KEY = "recent/case_folder"


class RecentCases:
    def __init__(self, settings, open_path, parent=None):
        self.settings, self.open_path = settings, open_path
        self.menu = QMenu("Open recent case", parent)
        self.refresh()

    def items(self) -> list[str]:
        return self.settings.recent_files(KEY)

    def add(self, path: Path) -> None:
        self.settings.add_recent_file(str(path), KEY)
        self.settings.set(FOLDER_KEY, str(Path(path).resolve().parent))
        self.refresh()

    def remove(self, path: str) -> None:
        self.settings.remove_recent_file(path, KEY)
        self.refresh()

    def clear(self) -> None:
        self.settings.clear_recent_files(KEY)
        self.refresh()

    def refresh(self) -> None:
        self.menu.clear()
        add_recent_items(self.menu, self.items(), self.open_path, "No recent case files")
        self.menu.addSeparator()
        self.menu.addAction("Clear recent case files", self.clear)


def add_recent_items(menu: QMenu, paths: list[str], open_path, empty: str = "No recent files") -> None:
    """An item per file (its name; the full path as tooltip) that opens it, or one disabled line `empty`."""
    if not paths:
        menu.addAction(empty).setEnabled(False)
    for path in paths:
        act = menu.addAction(Path(path).name)
        act.setToolTip(path)
        act.setStatusTip(path)
        act.triggered.connect(lambda _=False, p=path: open_path(p))

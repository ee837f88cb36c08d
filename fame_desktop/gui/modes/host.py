"""The window hosts tasks as modes: face verification (the window's own page, the default) and every
task the plugin registry offers, each on a page of its own.

Installed on a built MainWindow without reorganising it: the window's central widget
becomes page 0 of a stack (and its side panels page 0 of the dock's stack), the mode
selector goes into the toolbar and View ▸ Mode, task pages are created on first use.
Discovery runs in a worker once the engine is up (it imports torch and every plugin).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QStackedWidget

from ..task_views.alive import start
from .catalogue import FACE, build_catalogue
from .menus import ModeMenus

log = logging.getLogger(__name__)
SETTING = "modes/current"


class ModeHost(QObject):
    mode_changed = Signal(str)
    catalogue_ready = Signal(object)

    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.catalogue = None
        self.pages: dict = {}
        self.current = FACE
        self.plugins_dialog = None
        self.stack = QStackedWidget()
        self.face_page = window.takeCentralWidget()
        self.stack.addWidget(self.face_page)
        window.setCentralWidget(self.stack)
        self.panels = QStackedWidget()
        self.panels.addWidget(window.tabs)
        window.dock.setWidget(self.panels)
        self.menus = ModeMenus(window, self)
        self.menus.add_mode(FACE, "Face verification")
        self.menus.show_mode(FACE)
        self.menus.selector.currentIndexChanged.connect(lambda i: self.switch(self.menus.selector.itemData(i)))
        window.engine.ready.connect(self.discover)

    @property
    def face_active(self) -> bool:
        return self.current == FACE

    def page(self):
        """The current task page (None in the face mode)."""
        return self.pages.get(self.current)

    # discovery --------------------------------------------------------------------------
    def discover(self) -> None:
        start(self, self.w.runner, "discover plugins", build_catalogue, on_success=self._discovered,
              on_failure=lambda e, job: self.w.messages.error("Cannot look for plugins", e, job.traceback))

    def _discovered(self, catalogue) -> None:
        self.catalogue = catalogue
        for key, entry in catalogue.entries.items():
            if key == FACE:
                continue
            tip = entry.error and f"This task cannot be used: {entry.error}"
            self.menus.add_mode(key, entry.task.title, entry.usable, tip or entry.task.description)
        self.menus.show_mode(self.current)
        if catalogue.broken:
            n = len(catalogue.broken)
            self.w.statusBar().showMessage(f"{n} plugin{'s' if n > 1 else ''} could not be loaded: "
                                           "see Help ▸ Plugins…", 15_000)
        if self.plugins_dialog is not None:
            self.plugins_dialog.set_catalogue(catalogue)
        self.catalogue_ready.emit(catalogue)
        wanted = self.w.settings.get(SETTING, FACE)
        if wanted != self.current and wanted in catalogue.entries and catalogue.entries[wanted].usable:
            self.switch(wanted)

    # switching --------------------------------------------------------------------------
    def switch(self, key: str) -> bool:
        """Show the mode `key`; False (and the selector back on the current mode) if it cannot be shown."""
        if key is None or key == self.current:
            return key == self.current
        if key != FACE:
            try:
                page = self._page_for(key)
            except Exception as e:  # a plugin's task the page cannot host: say why, stay
                log.exception("cannot show mode %s", key)
                self.w.messages.error(f"Cannot show the mode {key}", e)
                self.menus.show_mode(self.current)
                return False
        self.current = key
        self.stack.setCurrentWidget(self.face_page if key == FACE else page)
        self.panels.setCurrentWidget(self.w.tabs if key == FACE else page.params)
        self.menus.set_task_mode(key != FACE)
        self.menus.show_mode(key)
        if key != FACE:
            page.activate()
        self.w.settings.set(SETTING, key)
        self.refresh()
        self.mode_changed.emit(key)
        return True

    def _page_for(self, key: str):
        if key in self.pages:
            return self.pages[key]
        entry = self.catalogue.entries[key] if self.catalogue is not None else None
        if entry is None or not entry.usable:
            raise ValueError(f"the task {key!r} is not available" + (f": {entry.error}" if entry else ""))
        from ..task_views import page_for

        page = page_for(self.w, entry)
        page.state_changed.connect(self.refresh)
        self.stack.addWidget(page)
        self.panels.addWidget(page.params)
        self.pages[key] = page
        return page

    def refresh(self) -> None:
        """The window title and the task actions follow the current page."""
        page = self.page()
        if page is not None:
            self.menus.refresh(page)
        self.w.update_title()

    def title(self) -> str:
        page = self.page()
        entry = self.catalogue.entries[self.current]
        return f"{page.title_detail()} — {entry.task.title} — fame-desktop"

    # drops, plugins, shutdown -----------------------------------------------------------
    def drop(self, paths: list[str]) -> bool:
        """Files dropped on the window: True if a task mode took them."""
        page = self.page()
        if page is None:
            return False
        page.load_files(paths)
        return True

    def show_plugins(self) -> None:
        from ..plugins_dialog import PluginsDialog

        if self.plugins_dialog is None:
            self.plugins_dialog = PluginsDialog(self.w)
            if self.catalogue is not None:
                self.plugins_dialog.set_catalogue(self.catalogue)
        self.plugins_dialog.show()
        self.plugins_dialog.raise_()

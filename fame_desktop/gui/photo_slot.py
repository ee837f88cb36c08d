"""A photograph slot of a page: the photograph as loaded (untouched), a status line, Open… and drops.

Accepts dropped files; offers Open (with recent files and paste). With `faces` (face
verification) it also draws the detected faces, lets the user click one to use it, and
offers hand-placed landmarks, e.g. when no face is found. A map is drawn on the photograph
as a layer where the model input covers it.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QLabel, QListWidget, QListWidgetItem, QMenu, QToolButton

from ..core.faces import LANDMARK_PROMPTS
from .drops import local_files
from .elided_label import ElidedLabel
from .layouts import MUTED, box, push_button, quiet, styled_label
from .photo_view import PhotoView
from .recent_cases import add_recent_items


class PhotoSlot(QFrame):
    files_dropped = Signal(list)
    open_requested = Signal()
    paste_requested = Signal()
    recent_chosen = Signal(str)
    face_chosen = Signal(int)
    landmarks_placed = Signal(object)
    landmarks_started = Signal()

    def __init__(self, role: str, label: str, hint: str = "", faces: bool = False, parent=None):
        super().__init__(parent)
        self.role, self.label = role, label
        self.setObjectName(f"slot_{role}")
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._set_drop_highlight(False)
        self.title = QLabel(f"<b>{label}</b>" + (f" <span style='color:#8a8f98'>({hint})</span>" if faces and hint
                                                  else ""))
        self.title.setToolTip(hint or label)  # a long hint would widen the window
        self.file_label = ElidedLabel()
        self.file_label.setStyleSheet(MUTED)
        self.open_button = QToolButton()
        self.open_button.setText("Open…")
        self.open_button.setToolTip(f"Open the {label.lower()} (a file, a recent file, or the clipboard)")
        self.open_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.open_button.clicked.connect(self.open_requested)
        self.recent_menu = QMenu(self)
        self.open_button.setMenu(self.recent_menu)
        self.set_recent([])
        self.landmark_button = push_button("Landmarks…", self.start_landmarks,
                                           "Mark the 5 points (eyes, nose tip, mouth corners) by hand")
        self.landmark_button.setEnabled(False)
        self.landmark_button.setVisible(faces)

        self.view = PhotoView(self.empty_text())
        self.view.face_chosen.connect(self.face_chosen)
        # the detected faces as a list beside the photograph (shown from two faces on): a face is
        # picked there as well as by clicking it, however small or crowded it is in the photograph
        self.face_list = QListWidget()
        self.face_list.setObjectName(f"faces_{role}")
        self.face_list.setFixedWidth(self.face_list.fontMetrics().horizontalAdvance("00 · p 0.00") + 28)
        self.face_list.setToolTip("The faces found, largest first; click one to use it")
        self.face_list.currentRowChanged.connect(self._face_listed)
        self.face_list.hide()
        self.view.landmarks_placed.connect(self._landmarks_done)
        self.view.landmark_step.connect(self._landmark_prompt)
        self.status = styled_label(style=MUTED, wrap=True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        header = box(self.title, (self.file_label, 1), self.landmark_button, self.open_button, row=True, spacing=4)
        photo = box((self.view, 1), self.face_list, row=True, spacing=4)
        box(header, (photo, 1), self.status, on=self, margin=6, spacing=4)

        undo = QShortcut(QKeySequence(Qt.Key.Key_Backspace), self, self.view.undo_landmark)
        undo.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.image = None
        self.no_face = False

    def empty_text(self) -> str:
        return f"Drop the {self.label.lower()} here\nor click Open…"

    # recent files -----------------------------------------------------------------------
    def set_recent(self, paths: list[str]) -> None:
        self.recent_menu.clear()
        paste = QAction("Paste image from clipboard", self.recent_menu)
        paste.triggered.connect(self.paste_requested)
        self.recent_menu.addAction(paste)
        self.recent_menu.addSeparator()
        add_recent_items(self.recent_menu, paths, self.recent_chosen.emit)

    # states -----------------------------------------------------------------------------
    def show_busy(self, text: str) -> None:
        self.status.setText(text)
        self.view.set_badge(text if self.view.has_image else "")
        if not self.view.has_image:
            self.view.set_placeholder(text)

    def show_photo(self, image) -> None:
        """A newly read photograph, before its faces are known."""
        self.image = image
        self.no_face = False
        self.view.cancel_landmarks()
        self.show_faces((), None)
        self.view.set_overlay(None)
        self.view.set_image(image.rgb, keep_view=False)
        self.view.set_placeholder("")
        self.file_label.set_full_text(image.name)
        self.file_label.setToolTip(image.source)
        self.landmark_button.setEnabled(True)

    def show_faces(self, faces, chosen: int | None, manual_face=None) -> None:
        """The detected faces on the photograph and in the list beside it; `chosen` indexes the one in use."""
        self.view.set_faces(faces, chosen, manual_face)
        with quiet(self.face_list):
            self.face_list.clear()
            for i, f in enumerate(faces):
                item = QListWidgetItem(f"{i + 1} · p {f.probability:.2f}")
                x1, y1, x2, y2 = f.box
                item.setToolTip(f"face {i + 1}: {round(x2 - x1)}×{round(y2 - y1)} px at ({round(x1)}, {round(y1)}), "
                                f"detection probability {f.probability:.3f}")
                self.face_list.addItem(item)
            self.face_list.setCurrentRow(-1 if chosen is None or manual_face is not None else chosen)
        self.face_list.setVisible(len(faces) > 1)

    def _face_listed(self, row: int) -> None:
        if row >= 0:
            self.face_chosen.emit(row)

    def show_input(self, face_input) -> None:
        fi = face_input
        self.no_face = False
        self.view.set_placeholder("")
        self.view.set_badge("")
        self.show_faces(fi.faces, None if fi.face_index < 0 else fi.face_index, fi.face if fi.face.manual else None)
        self._show_status(fi.found_text, fi.image)

    def show_ready(self, image, detail: str = "") -> None:
        """The photograph is prepared for the model; `detail` says how (e.g. the region used)."""
        self.view.set_badge("")
        self.view.set_placeholder("")
        self._show_status(detail, image)

    def _show_status(self, what: str, image) -> None:
        """`what` was found or done, over the photograph's size, format and SHA-256."""
        self.status.setText(f"{what}<br><span style='color:#8a8f98'>{image.width}×{image.height} {image.format} · "
                            f"SHA-256 {image.sha256[:16]}…</span>")
        self.status.setToolTip(f"SHA-256 {image.sha256}\n{image.source}")

    def show_error(self, text: str) -> None:
        """A problem with this input (e.g. no face for a face model): said in the slot, nothing lost."""
        self.view.set_badge("")
        self.status.setText(f"<span style='color:#ffb547'><b>{escape(text)}</b></span>")

    def show_no_face(self, image, reason: str) -> None:
        self.no_face = True
        self.show_faces((), None)
        self.view.set_badge("")
        self.view.set_placeholder(f"No face found.\n{reason}\n\nClick “Landmarks…” to mark the "
                                  "eyes, nose tip and mouth corners by hand.", over_image=True)
        self.status.setText(f"<b>No face found</b> in {escape(image.name)}. {escape(reason)}")

    def show_empty(self) -> None:
        self.image = None
        self.no_face = False
        self.view.set_image(None)
        self.show_faces((), None)
        self.view.set_overlay(None)
        self.view.set_badge("")
        self.view.set_placeholder(self.empty_text())
        self.file_label.set_full_text("")
        self.status.setText("")
        self.landmark_button.setEnabled(False)

    # hand-placed landmarks --------------------------------------------------------------
    def start_landmarks(self) -> None:
        if self.image is None:
            return
        self.view.set_placeholder("")
        self.view.start_landmarks()
        self.view.setFocus()
        self.landmarks_started.emit()

    def cancel_landmarks(self) -> bool:
        """Leave landmark mode; True if it was on."""
        if not self.view.placing:
            return False
        self.view.cancel_landmarks()
        self.view.set_badge("")
        self.status.setText("Placing landmarks cancelled.")
        if self.no_face:
            self.show_no_face(self.image, "")
        return True

    def _landmark_prompt(self, placed: int) -> None:
        if placed >= len(LANDMARK_PROMPTS):
            return
        text = (f"Click the {LANDMARK_PROMPTS[placed].upper()} (as seen in the image) — "
                f"point {placed + 1} of {len(LANDMARK_PROMPTS)}")
        self.view.set_badge(text)
        self.status.setText(f"{text}. Backspace undoes the last point; Esc cancels.")

    def _landmarks_done(self, points) -> None:
        self.view.set_badge("")
        self.landmarks_placed.emit(points)

    # drag and drop ----------------------------------------------------------------------
    def _set_drop_highlight(self, on: bool) -> None:
        colour = "#3d8bfd" if on else "#3a3d42"
        self.setStyleSheet(f"PhotoSlot {{ border: 2px {'dashed' if on else 'solid'} {colour}; border-radius: 6px; }}")

    def dragEnterEvent(self, ev):  # noqa: N802 - Qt API
        if local_files(ev.mimeData()):
            ev.acceptProposedAction()
            self._set_drop_highlight(True)
        else:
            ev.ignore()

    def dragLeaveEvent(self, ev):  # noqa: N802
        self._set_drop_highlight(False)

    def dropEvent(self, ev):  # noqa: N802
        self._set_drop_highlight(False)
        paths = local_files(ev.mimeData())
        if paths:
            ev.acceptProposedAction()
            self.files_dropped.emit(paths)
        else:
            ev.ignore()

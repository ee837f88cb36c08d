"""Settings that persist between runs, in an INI file under the user's config folder.

Tests and scripts pass their own folder (or set FAME_DESKTOP_CONFIG_DIR), so they never
read or change a real user's settings.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings

ENV_DIR = "FAME_DESKTOP_CONFIG_DIR"
MAX_RECENT = 10


def default_config_dir() -> Path:
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir("fame-desktop", appauthor=False))


class AppSettings:
    """Typed access to the app's QSettings (INI format, one file)."""

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder is not None else default_config_dir()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / "settings.ini"
        self._q = QSettings(str(self.path), QSettings.Format.IniFormat)

    def get(self, key: str, default, kind: type | None = None):
        """The stored value converted to `kind` (default: the default's type); the default on junk."""
        kind = kind or type(default)
        raw = self._q.value(key, None)
        if raw is None:
            return default
        try:
            if kind is bool:
                return raw if isinstance(raw, bool) else str(raw).strip().lower() in ("1", "true", "yes")
            return kind(raw)
        except (TypeError, ValueError):
            return default

    def migrate(self) -> None:
        """Settings of versions with one face window move to the face-verification page's keys (once)."""
        face = "tasks/face-verification"
        model = self._q.value("model/key", None)
        moves = {"model/key": f"{face}/model", "model/device": f"{face}/device",
                 "model/checkpoint": f"{face}/weights/{model}" if model else "model/checkpoint",
                 **{f"view/{k}": f"{face}/view/{k}" for k in ("opacity", "cmap", "on_photo")},
                 **{f"maps/{k}": f"{face}/maps112/{k}" for k in ("blur_kernel", "blur_sigma", "normalisation")}}
        moves.update({k: f"{face}/{k}" for k in self._q.allKeys() if k.startswith("fame/")})
        for old, new in moves.items():
            value = self._q.value(old, None)
            if new == old:
                continue
            if value is not None and self._q.value(new, None) is None:
                self._q.setValue(new, value)
            self._q.remove(old)

    def set(self, key: str, value) -> None:
        self._q.setValue(key, value)

    def remove(self, key: str) -> None:
        self._q.remove(key)

    def get_bytes(self, key: str):
        raw = self._q.value(key, None)
        return raw if raw is not None and hasattr(raw, "size") else None

    def sync(self) -> None:
        self._q.sync()

    # recent files ---------------------------------------------------------------------
    # (photographs under "recent/files"; case files pass key="recent/cases")
    def recent_files(self, key: str = "recent/files") -> list[str]:
        raw = self._q.value(key, [])
        items = [raw] if isinstance(raw, str) else list(raw or [])
        return [str(p) for p in items if str(p)][:MAX_RECENT]

    def add_recent_file(self, path: str, key: str = "recent/files") -> list[str]:
        path = str(Path(path).resolve())
        items = [path] + [p for p in self.recent_files(key) if p != path]
        self._q.setValue(key, items[:MAX_RECENT])
        return items[:MAX_RECENT]

    def remove_recent_file(self, path: str, key: str = "recent/files") -> list[str]:
        items = [p for p in self.recent_files(key) if p != str(path)]
        self._q.setValue(key, items)
        return items

    def clear_recent_files(self, key: str = "recent/files") -> None:
        self._q.setValue(key, [])

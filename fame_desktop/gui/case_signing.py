"""File ▸ Sign saved cases / Signing key…: case files saved from the window signed with the examiner's key.

The key file's path and the on/off choice are remembered in the settings; the private key
itself never is. A passphrase-protected key is asked for (a password field) the first time
it is needed and stays unlocked in memory until the window closes. Keys are made with
`fame keygen`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit

from .actions import make_action

SIGN_KEY = "case/sign"
KEY_PATH_KEY = "case/signing_key"
KEY_FILTER = "Private key (*.key *.pem);;All files (*)"


class CaseSigning:
    def __init__(self, window):
        """window: the shell (settings, messages; the actions go into its File menu)."""
        self.w = w = window
        self._unlocked = None  # (path, mtime_ns, SigningKey)
        self.act_sign = make_action(w, "Sign saved cases", self._toggled, checkable=True,
                                    tip="Sign every case file saved from now on with your examiner key (Ed25519)")
        self.act_choose = make_action(w, "Signing key…", lambda _=False: self.choose_key(),
                                      tip="Choose the private key file (NAME.key from `fame keygen`) to sign with")
        self.act_sign.setChecked(bool(w.settings.get(SIGN_KEY, False)) and bool(self.key_path))

    @property
    def key_path(self) -> str:
        return str(self.w.settings.get(KEY_PATH_KEY, ""))

    def _toggled(self, on: bool) -> None:
        if on and not self.key_path and not self.choose_key():
            self.act_sign.setChecked(False)
            return
        self.w.settings.set(SIGN_KEY, bool(on))

    def choose_key(self) -> bool:
        """Ask for the key file, unlock it once to check it; True when one is chosen (signing is then on)."""
        start = str(Path(self.key_path).parent) if self.key_path else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self.w, "Choose your signing key", start, KEY_FILTER)
        if not path or self._load(path) is None:
            return False
        self.w.settings.set(KEY_PATH_KEY, path)
        self.w.settings.set(SIGN_KEY, True)
        self.act_sign.setChecked(True)
        return True

    def key_for_save(self):
        """(go on, key): the key to sign with (None when signing is off); go on is False when the user
        cancelled the passphrase or the key cannot be used (the reason is shown)."""
        if not self.act_sign.isChecked():
            return True, None
        key = self._load(self.key_path)
        return key is not None, key

    def _load(self, path: str):
        """The unlocked key of `path` (asking for its passphrase), or None with the reason shown."""
        from ..session.signing import key_is_encrypted, load_signing_key
        from ..core.errors import PassphraseNeeded, SigningError

        try:
            stamp = Path(path).stat().st_mtime_ns
            if self._unlocked and self._unlocked[:2] == (path, stamp):
                return self._unlocked[2]
            if not key_is_encrypted(path):
                key = load_signing_key(path)
            else:
                prompt = f"Passphrase of {Path(path).name}:"
                while True:
                    text, ok = QInputDialog.getText(self.w, "Unlock the signing key", prompt,
                                                    QLineEdit.EchoMode.Password)
                    if not ok:
                        return None
                    try:
                        key = load_signing_key(path, text.encode("utf-8"))
                        break
                    except PassphraseNeeded:
                        prompt = f"Wrong passphrase. Passphrase of {Path(path).name}:"
        except (SigningError, OSError) as e:
            reason = str(e) if isinstance(e, SigningError) else f"{path}: {e.strerror or e}"
            self.w.messages.warning("Cannot use the signing key", reason)
            return None
        self._unlocked = (path, stamp, key)
        return key

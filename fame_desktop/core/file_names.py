"""Default file names for what a case produces: `<case ID>_<date>.pdf`, `<case ID>_<date>.famecase`.

Case IDs are typed by people ("2024/FR 0173: Smith") and may hold characters no file
system accepts; they are reduced to a portable name. No Qt, no torch.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

MAX_STEM = 80
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_stem(text: str, fallback: str = "case") -> str:
    """A file-name stem that is valid on Windows, macOS and Linux (letters, digits, . _ - kept)."""
    t = unicodedata.normalize("NFKC", text or "").strip()
    t = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "-", t)  # forbidden on some file system
    t = re.sub(r"\s+", "_", t)
    t = re.sub(r"[-_]{2,}", "-", t).strip(" .-_")  # 'a: "b"' → a-b, not a-_-b
    t = t[:MAX_STEM].rstrip(" .-_")
    if not t or t.upper().split(".")[0] in _RESERVED:
        return fallback if not t else f"{fallback}_{t}"
    return t


def default_name(case_id: str, suffix: str, when: date | datetime | None = None, fallback: str = "fame-case") -> str:
    """'2024-FR-0173_2024-06-01.pdf'; without a case ID 'fame-case_2024-06-01.pdf'."""
    day = (when or datetime.now()).strftime("%Y-%m-%d")
    return f"{safe_stem(case_id, fallback) if case_id.strip() else fallback}_{day}{suffix}"

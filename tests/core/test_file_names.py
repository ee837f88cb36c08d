"""Default names of reports and case files from a case ID typed by a person."""

from __future__ import annotations

from datetime import date

from fame_desktop.core.file_names import default_name, safe_stem


def test_case_id_becomes_a_portable_name():
    assert default_name("2024-FR-0173", ".pdf", date(2024, 6, 1)) == "2024-FR-0173_2024-06-01.pdf"
    assert safe_stem('2024/FR 0173: "Smith" <2>') == "2024-FR_0173-Smith-2"
    assert safe_stem("Akte Müller") == "Akte_Müller"


def test_no_case_id_or_nothing_usable_falls_back():
    assert default_name("", ".famecase", date(2024, 6, 1)) == "fame-case_2024-06-01.famecase"
    assert default_name("  ", ".pdf", date(2024, 6, 1)) == "fame-case_2024-06-01.pdf"
    assert safe_stem("///") == "case"
    assert safe_stem("..") == "case"


def test_reserved_device_names_and_length():
    assert safe_stem("CON") == "case_CON"
    assert safe_stem("nul.txt") == "case_nul.txt"
    assert len(safe_stem("x" * 500)) == 80

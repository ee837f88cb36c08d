"""Pair lists for batch jobs: CSV, LFW pairs.txt and CFP-FP protocol folders give the same records."""

from pathlib import Path

import pytest

from fame_desktop.core.errors import FameError
from fame_desktop.core.pair_lists import PairListError, read_pairs


def test_csv_paths_relative_to_the_list_and_same_as_words(tmp_path):
    f = tmp_path / "pairs.csv"
    f.write_text("gallery,probe,same,protocol\na.jpg,sub/b.jpg,1,p1\n/abs/c.jpg,d.jpg,no,\n")
    a, b = read_pairs(f)
    assert (a.gallery, a.probe, a.same, a.protocol, a.pair_id) == (tmp_path / "a.jpg", tmp_path / "sub/b.jpg", True,
                                                                   "p1", "p1/1")
    assert (b.gallery, b.same, b.pair_id) == (Path("/abs/c.jpg"), False, "pairs/2")


@pytest.mark.parametrize("text, message", [
    ("gallery,probe\na,b\n", "missing same"),
    ("gallery,probe,same\na,b,maybe\n", "line 2: 'same' must be 1 or 0"),
    ("gallery,probe,same\n,b,1\n", "a gallery and a probe path"),
])
def test_bad_csv_lines_are_refused_with_where(tmp_path, text, message):
    f = tmp_path / "p.csv"
    f.write_text(text)
    with pytest.raises(PairListError, match=message):
        read_pairs(f)


def test_lfw_pairs_txt(tmp_path):
    (tmp_path / "lfw").mkdir()
    f = tmp_path / "pairs.txt"
    f.write_text("10 300\nAaron 1 2\nAaron 1 Zoe 3\n")
    same, diff = read_pairs(f)
    assert same.same and same.probe == tmp_path / "lfw" / "Aaron" / "Aaron_0002.jpg"
    assert not diff.same and diff.probe == tmp_path / "lfw" / "Zoe" / "Zoe_0003.jpg"
    f.write_text("Aaron 1\n")
    with pytest.raises(PairListError, match="pair 1: expected"):
        read_pairs(f, "lfw")


def test_cfp_fp_protocol_folder(tmp_path):
    proto = tmp_path / "Protocol"
    (proto / "Split" / "FP" / "01").mkdir(parents=True)
    (proto / "Pair_list_F.txt").write_text("1 ../Data/Images/001/frontal/01.jpg\n2 ../Data/Images/002/frontal/01.jpg\n")
    (proto / "Pair_list_P.txt").write_text("1 ../Data/Images/001/profile/01.jpg\n")
    (proto / "Split" / "FP" / "01" / "same.txt").write_text("1,1\n")
    (proto / "Split" / "FP" / "01" / "diff.txt").write_text("2,1\n")
    same, diff = read_pairs(tmp_path)
    assert same.same and same.gallery == tmp_path / "Data/Images/001/frontal/01.jpg" and same.protocol == "FP/01"
    assert not diff.same and diff.pair_id == "FP/01/diff/1"
    (proto / "Split" / "FP" / "01" / "diff.txt").write_text("9,1\n")
    with pytest.raises(PairListError, match="names no listed image"):
        read_pairs(tmp_path)


def test_lists_and_their_entries_by_url(tmp_path):
    """A CSV or pairs.txt read by file:// URL: relative entries become URLs beside it, URLs stay as written."""
    f = tmp_path / "pairs.csv"
    f.write_text("gallery,probe,same\na.jpg,file:///elsewhere/b.jpg,1\n/abs/c.jpg,d.jpg,0\n")
    a, b = read_pairs(f.as_uri())
    assert (a.gallery, a.probe) == (f"{tmp_path.as_uri()}/a.jpg", "file:///elsewhere/b.jpg")
    assert (b.gallery, b.probe) == (Path("/abs/c.jpg"), f"{tmp_path.as_uri()}/d.jpg")  # an absolute path stays one
    (tmp_path / "lfw").mkdir()
    (tmp_path / "pairs.txt").write_text("Aaron 1 2\n")
    (same,) = read_pairs((tmp_path / "pairs.txt").as_uri())
    assert same.probe == f"{tmp_path.as_uri()}/lfw/Aaron/Aaron_0002.jpg"


@pytest.mark.parametrize("url, message", [
    ("file:///no/such/folder/pairs.csv", "file:///no/such/folder/pairs.csv: not found"),
    ("nosuchprotocol://bucket/pairs.csv", "nosuchprotocol://bucket/pairs.csv: cannot read nosuchprotocol:// URLs"),
])
def test_an_unreadable_url_or_an_unknown_protocol_is_one_clear_error(url, message):
    with pytest.raises(PairListError if url.startswith("file") else FameError) as e:
        read_pairs(url)
    assert str(e.value).startswith(message) and "\n" not in str(e.value)

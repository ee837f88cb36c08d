"""PyInstaller hook for fame_desktop: data files, package metadata and hidden imports.

The lists come from bundle_data.py (the spec puts this folder on sys.path), which the test
suite checks without PyInstaller.
"""

from bundle_data import data_files, hidden_imports, metadata_dists
from PyInstaller.utils.hooks import copy_metadata

datas = data_files()
for _dist in metadata_dists():
    datas += copy_metadata(_dist)
hiddenimports = hidden_imports()

"""The small real protocol (protocol.py), built once per session into a temporary folder."""

from __future__ import annotations

import pytest

from protocol import build_protocol


@pytest.fixture(scope="session")
def protocol_csv(tmp_path_factory, data_dir, detector):
    return build_protocol(data_dir, tmp_path_factory.mktemp("protocol"), detector)

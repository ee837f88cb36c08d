"""Calibrations for tests, fitted on generated scores (no photographs needed)."""

from __future__ import annotations

import numpy as np


def generated_calibration(model_info: dict, description: str = "generated frontal pairs", seed: int = 0):
    """A verified Calibration of `model_info` (FaceModel.describe()) fitted on generated Gaussian scores:
    genuine N(0.55, 0.12), impostor N(0.05, 0.10), 600 of each (no photographs needed)."""
    from fame_desktop.core.evidence.calibration import calibration_bytes, parse_calibration
    from fame_desktop.core.evidence.calibration_fit import calibration_document, fit_calibration

    rng = np.random.default_rng(seed)
    fitted = fit_calibration(rng.normal(0.55, 0.12, 600), rng.normal(0.05, 0.1, 600), "logistic")
    doc = calibration_document(
        fitted, created="2025-01-01T00:00:00+00:00",
        model={"key": model_info["key"], "name": model_info.get("name", ""),
               "weights_sha256": model_info["provenance"]["sha256"]},
        alignment={}, dataset={"description": description},
        pairs={"listed": 1200, "scored": 1200, "genuine": 600, "impostor": 600, "failed": 0, "failures_by_kind": {},
               "failures": []},
        quality_ranges={"inter_eye_px": {"p01": 30.0, "p05": 35, "p50": 50, "p95": 80, "p99": 90.0, "n": 1200}})
    return parse_calibration(calibration_bytes(doc), f"{description}.famecal")

"""Session ↔ (JSON document, binary members): what a case file holds, for any task.

Members: `images/<sha256>` the original photograph bytes (content-addressed),
`inputs/<role>.png` the model inputs the runs started from, `raw/<n>.npy` result n's raw
output (float32, row i ↔ its target i). Everything else is the JSON document (format 3):

    task, created, case, audit (a hash chain), model {key, weights, device}, method,
    params {method: parameters}, options, map_settings, view, threshold,
    inputs {role: {image (provenance), record (the task's input_record), input_png_sha256}},
    analysis {headline, summary}, results [{method, options, targets, bookkeeping, params,
    model, environment, snapshot}], evidence (face verification: null, or {calibration (the
    .famecal document), calibration_file, likelihood_ratio (as stated), conclusion (the FISWG
    checklist, conclusion and signed revisions)}: session/evidence.py), measurements [the current
    faithfulness curves / class metrics: session/measurements.py; absent in older files]

Decoding needs the task's model (the inputs are rebuilt and the model's answer recomputed:
see casefile.py and checks.py); this module only translates. Formats 1 and 2 (face
verification only) are translated to format 3 by `upgrade_legacy`.
"""

from __future__ import annotations

import io
import math
from dataclasses import asdict, fields

import numpy as np

from ..core.attribution import MapSettings
from ..core.errors import CaseFileError
from ..core.fame import FameRun
from ..core.images import LoadedImage, decode_png, encode_png, sha256_bytes
from ..core.io_utils import npy_bytes
from .audit import CaseInfo, Threshold
from .evidence import to_json as evidence_json
from .model import options_key

FORMAT_VERSION = 3  # 3: any task, several results; 2: chained audit log, signature (faces); 1: faces


def image_member(sha256: str) -> str:
    return f"images/{sha256}"


def input_member(role: str) -> str:
    return f"inputs/{role}.png"


def raw_member(n: int) -> str:
    return f"raw/{n}.npy"


def _num(x: float):
    """JSON has no NaN (a row whose loss diverged, a manual face without a probability)."""
    x = float(x)
    return None if math.isnan(x) else x


def original_bytes(image: LoadedImage) -> bytes:
    """The photograph's file bytes, from memory or re-read from its path and checked against its hash."""
    data = image.data
    if data is None:
        try:
            with open(image.source, "rb") as f:
                data = f.read()
        except OSError as e:
            raise CaseFileError(f"{image.name}: the original file is needed for the case file but cannot "
                                f"be read ({e.strerror or e})") from None
    if sha256_bytes(data) != image.sha256:
        raise CaseFileError(f"{image.name}: the file changed since it was loaded (SHA-256 differs)")
    return data


def _run_record(result) -> dict:
    r = result.run
    return {"method": result.method.key, "options": {k: _plain(v) for k, v in result.options.items()},
            "targets": list(result.keys), "iterations": [int(i) for i in r.iterations],
            "stop_reasons": list(r.stop_reasons),
            **{k: [_num(v) for v in getattr(r, k)] for k in ("initial_loss", "final_loss", "initial_score",
                                                              "final_score")},
            "elapsed": float(r.elapsed), "cancelled": bool(r.cancelled), "params": asdict(r.params),
            "stop_change": [_num(v) for v in r.stop_change],
            "model": result.model, "environment": result.environment, "snapshot": result.snapshot.describe()}


def _plain(v):
    return v if isinstance(v, (str, int, float, bool)) or v is None else str(v)


def encode_session(s) -> tuple[dict, dict[str, bytes]]:
    """(session.json document, {member name: bytes}) of a Session (or its frozen copy)."""
    members: dict[str, bytes] = {}
    inputs = {}
    for role, inp in s.inputs.items():
        members[image_member(inp.image.sha256)] = original_bytes(inp.image)
        png = encode_png(inp.model_input)
        members[input_member(role)] = png
        inputs[role] = {"image": inp.image.describe(), "record": s.task.input_record(inp),
                        "input_png_sha256": sha256_bytes(png)}
    results = []  # those of the options shown: others (e.g. another layer's cells) are not kept
    shown = [r for (_method, options), r in s.results.items() if options == options_key(s.options)]
    for n, result in enumerate(shown):
        if result.snapshot is None or s.stale_reasons(result):
            raise CaseFileError(f"the session cannot be saved: its {result.method.title} result was computed for "
                                "other inputs")
        members[raw_member(n)] = npy_bytes(np.asarray(result.run.delta, np.float32))
        results.append(_run_record(result))
    doc = {
        "task": s.task.key, "created": s.created, "case": asdict(s.case),
        "model": {"key": s.model_key, "weights": s.weights, "device": s.device},
        "method": s.method, "params": {k: asdict(p) for k, p in s.params.items()},
        "options": {k: _plain(v) for k, v in s.options.items()}, "map_settings": asdict(s.map_settings),
        "view": s.view, "threshold": None if s.threshold is None else {"value": s.threshold.value,
                                                                        "source": s.threshold.source},
        "inputs": inputs,
        "analysis": None if s.analysis is None else {"headline": s.analysis.headline, "summary": s.analysis.summary},
        "results": results,
        "evidence": evidence_json(s),
        "measurements": [m.describe() for m in s.current_measurements()],
        "audit": s.audit.to_list(),
    }
    return doc, members


# --- reading --------------------------------------------------------------------------------------------

def typed(value, kind, what: str, optional: bool = False):
    """`value` when it is of `kind` (None too when optional); CaseFileError naming `what` otherwise."""
    if (value is None and optional) or (isinstance(value, kind) and not (isinstance(value, bool) and kind != bool)):
        return value
    words = {str: "text", dict: "a record", list: "a list", bool: "true or false"}
    raise CaseFileError(f"{what} is not {words.get(kind, 'a number')}: {type(value).__name__}")


def known(cls, d: dict) -> dict:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in typed(d, dict, cls.__name__).items() if k in names}


def case_info(d: dict) -> CaseInfo:
    case = known(CaseInfo, d)
    exhibits = typed(case.pop("exhibits", {}), dict, "the exhibits")
    for k, v in case.items():
        typed(v, str, f"the case detail {k}")
    for k, v in exhibits.items():
        typed(v, str, f"the exhibit of {k}")
    return CaseInfo(**case, exhibits=dict(exhibits))


def threshold(d) -> Threshold | None:
    if d is None:
        return None
    return Threshold(float(typed(d["value"], (int, float), "the threshold")), typed(d["source"], str,
                                                                                   "the threshold's source"))


def map_settings(d: dict) -> MapSettings:
    return MapSettings(**known(MapSettings, d))


def stored_input(members: dict[str, bytes], role: str) -> np.ndarray:
    return decode_png(members[input_member(role)])


def run_record(d: dict, raw: bytes, params) -> FameRun:
    """The run bookkeeping of a result record with its raw output (checked for shape, not for content)."""
    try:
        delta = np.load(io.BytesIO(raw), allow_pickle=False)
    except (ValueError, OSError) as e:
        raise CaseFileError(f"a raw output cannot be read ({e})") from None
    n = len(typed(d["targets"], list, "the result's targets"))
    if delta.dtype != np.float32 or delta.ndim < 2 or delta.shape[0] != n:
        raise CaseFileError(f"a raw output has shape {delta.shape} {delta.dtype}, expected ({n}, …) float32")
    arrays = {}
    for k in ("initial_loss", "final_loss", "initial_score", "final_score"):
        values = typed(d[k], list, f"the result's {k.replace('_', ' ')}")
        if len(values) != n:
            raise CaseFileError(f"the result's {k.replace('_', ' ')} has {len(values)} values for {n} targets")
        arrays[k] = np.asarray([np.nan if v is None else float(v) for v in values], np.float32)
    iterations, reasons = typed(d["iterations"], list, "the iterations"), typed(d["stop_reasons"], list, "stops")
    if len(iterations) != n or len(reasons) != n:
        raise CaseFileError("the result's bookkeeping does not list every target")
    change = typed(d.get("stop_change") or [None] * n, list, "the stopping statistic")  # absent before it was kept
    if len(change) != n or not all(v is None or (isinstance(v, (int, float)) and 0 <= v <= 2) for v in change):
        raise CaseFileError(f"the result's stopping statistic must be {n} numbers in [0, 2] or null")
    return FameRun(delta=delta, iterations=np.asarray([int(i) for i in iterations], np.int64),
                   stop_reasons=[typed(r, str, "a stop reason") for r in reasons],
                   elapsed=float(typed(d["elapsed"], (int, float), "the run time")),
                   cancelled=typed(d["cancelled"], bool, "the cancelled flag"), params=params,
                   stop_change=np.asarray([np.nan if v is None else float(v) for v in change]), **arrays)


def upgrade_legacy(doc: dict, members: dict[str, bytes]) -> tuple[dict, dict[str, bytes]]:
    """A format 1 or 2 case (face verification, one FAME result) as a format 3 document and member names."""
    from ..tasks.face_verification import FACE_OPTIONS

    renamed = {("inputs/" + k[len("crops/"):] if k.startswith("crops/") else "raw/0.npy" if k == "raw/delta.npy"
                else k): v for k, v in members.items()}
    case = dict(typed(doc["case"], dict, "the case details"))
    exhibits = {r: case.pop(f"exhibit_{r}") for r in ("gallery", "probe") if f"exhibit_{r}" in case}
    e = doc["explanation"]
    inputs = {role: {"image": d["image"], "record": {k: d[k] for k in ("faces", "face_index", "face", "alignment")},
                     "input_png_sha256": d.get("crop_png_sha256")} for role, d in typed(doc["inputs"], dict,
                                                                                         "the inputs").items()}
    results, analysis = [], None
    if e is not None:
        typed(e, dict, "the FAME result")
        similarity = float(e["similarity"])
        analysis = {"headline": f"cosine similarity {similarity:.4f}", "summary": {"similarity": similarity}}
        results.append({"method": "fame", "options": dict(FACE_OPTIONS), "targets": e["keys"],
                        **{k: e[k] for k in ("iterations", "stop_reasons", "initial_loss", "final_loss",
                                             "initial_score", "final_score", "elapsed", "cancelled", "params")},
                        "model": doc["model_info"], "environment": doc["environment"], "snapshot": None})
    upgraded = {"task": "face-verification", "created": doc["created"], "case": {**case, "exhibits": exhibits},
                "model": {"key": doc["model_key"], "weights": doc["checkpoint"], "device": doc["device"]},
                "method": "fame", "params": {"fame": doc["params"]}, "options": dict(FACE_OPTIONS),
                "map_settings": doc["map_settings"], "view": doc.get("view"), "threshold": doc["threshold"],
                "inputs": inputs, "analysis": analysis, "results": results, "audit": doc["audit"]}
    return upgraded, renamed

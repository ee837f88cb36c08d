"""Safe checkpoint reading: weights only, never code from the file.

Checkpoints are read with torch's weights-only unpickler. Training checkpoints (e.g.
AdaFace's Lightning `.ckpt`) also pickle metadata objects — hyper-parameter containers,
callback classes — that the weights-only unpickler does not know. Those few benign
names are replaced by inert stand-ins that run no code; any other global (os.system,
builtins.eval, an arbitrary class) makes the file refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch

from ..errors import CheckpointError
from ..images import sha256_file

# Modules whose classes appear as metadata in training checkpoints and are safe to stub.
_BENIGN_MODULE_PREFIXES = (
    "argparse.",
    "pathlib.",
    "lightning.",
    "lightning_fabric.",
    "pytorch_lightning.",
    "omegaconf.",
    "numpy.",
    "typing.",
    "enum.",
    "datetime.",
)
_UNSUPPORTED_GLOBAL = re.compile(r"GLOBAL (\S+) was not an allowed global")


class OpaqueObject:
    """Inert stand-in for an unknown metadata object; records what it was built from."""

    def __init__(self, *args, **kwargs):
        self.args = args

    def __setstate__(self, state):
        self.state = state


def _stub_for(name: str):
    # dict subclasses (AttributeDict, DictConfig) are rebuilt by NEWOBJ + SETITEMS
    if "Dict" in name.rsplit(".", 1)[-1] or "Config" in name.rsplit(".", 1)[-1]:
        stub = type("OpaqueMapping", (dict,), {"__new__": lambda cls, *a, **k: {}})
    else:
        stub = type("OpaqueObject", (OpaqueObject,), {})
    return stub, name


def _is_benign(name: str) -> bool:
    return name.startswith(_BENIGN_MODULE_PREFIXES)


def _refuse(path: Path, names: list[str]) -> CheckpointError:
    listed = ", ".join(sorted(names)[:5])
    return CheckpointError(
        f"{path.name}: refused — the file refers to {listed}, which could run code when "
        "loaded; only plain weight files are accepted"
    )


def load_checkpoint_safely(path: str | Path) -> object:
    """torch.load with weights_only=True, stubbing benign metadata classes; CheckpointError otherwise."""
    p = Path(path)
    if not p.is_file():
        raise CheckpointError(f"{p}: checkpoint file not found")
    if p.stat().st_size == 0:
        raise CheckpointError(f"{p.name}: checkpoint file is empty")
    try:
        unknown = torch.serialization.get_unsafe_globals_in_checkpoint(str(p))
    except Exception:
        unknown = []  # legacy (non-zip) format: discovered one by one below
    stubs: dict[str, tuple] = {}
    for _ in range(64):
        bad = [n for n in unknown if not _is_benign(n)]
        if bad:
            raise _refuse(p, bad)
        stubs.update({n: _stub_for(n) for n in unknown if n not in stubs})
        try:
            with torch.serialization.safe_globals(list(stubs.values())):
                return torch.load(str(p), map_location="cpu", weights_only=True)
        except Exception as e:  # torch raises several types for corrupt files
            msg = str(e)
            found = _UNSUPPORTED_GLOBAL.findall(msg)
            if found and found[0] not in stubs:
                unknown = found
                continue
            if "blocked" in msg or "unrecognized function" in msg or found:
                raise CheckpointError(f"{p.name}: refused — the file would run code when loaded") from None
            raise CheckpointError(
                f"{p.name}: not a readable PyTorch checkpoint (corrupt, truncated or another format)"
            ) from None
    raise CheckpointError(f"{p.name}: checkpoint metadata is too complex to read safely")


def extract_backbone_state(obj: object, name: str, marker: str) -> dict[str, torch.Tensor]:
    """The backbone tensors from a loaded checkpoint.

    Accepts a Lightning checkpoint (`obj['state_dict']` with the backbone under `model.`,
    next to head entries), a plain state dict, and `module.` (DataParallel) prefixes.
    `marker` is a key suffix every backbone has (e.g. 'input_layer.0.weight').
    """
    sd = obj.get("state_dict", obj) if isinstance(obj, dict) else None
    if not isinstance(sd, dict):
        raise CheckpointError(f"{name}: holds no state dict")
    for prefix in ("model.", "module.", "backbone.", ""):
        if prefix + marker in sd:
            out = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}
            out = {k[len("module."):] if k.startswith("module.") else k: v for k, v in out.items()}
            break
    else:
        raise CheckpointError(f"{name}: no backbone weights found (expected a key like 'model.{marker}')")
    not_tensors = [k for k, v in out.items() if not isinstance(v, torch.Tensor)]
    if not_tensors:
        raise CheckpointError(f"{name}: entries are not tensors: {', '.join(not_tensors[:3])}")
    return out


def checkpoint_sha256(path: str | Path) -> str:
    return sha256_file(path)

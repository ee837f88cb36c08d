"""Compute-device choice: CUDA, then Apple MPS, then CPU, unless the user says otherwise."""

from __future__ import annotations

import torch

from .errors import ModelError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def select_device(preference: str | None = "auto") -> torch.device:
    """Resolve "auto" / "cpu" / "cuda[:N]" / "mps" to an available torch.device."""
    pref = (preference or "auto").strip().lower()
    if pref == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if pref.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ModelError(f"device {preference!r} requested but CUDA is not available")
        return torch.device(pref)
    if pref == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise ModelError("device 'mps' requested but Apple MPS is not available")
        return torch.device("mps")
    if pref == "cpu":
        return torch.device("cpu")
    raise ModelError(f"unknown device {preference!r}; choose one of {', '.join(DEVICE_CHOICES)}")


def describe_device(device: torch.device) -> str:
    """Human-readable device name for reports, e.g. 'cuda (NVIDIA RTX 4090)' or 'cpu (8 threads)'."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type

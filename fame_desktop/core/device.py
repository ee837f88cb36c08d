"""Compute-device choice: CUDA, then Apple MPS, then CPU, unless the user says otherwise."""

from __future__ import annotations

import re

import torch

from .errors import ModelError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
_CUDA = re.compile(r"cuda(?::(\d+))?")


def select_device(preference: str | None = "auto") -> torch.device:
    """Resolve "auto" / "cpu" / "cuda[:N]" / "mps" to an available torch.device; ModelError otherwise."""
    pref = (preference or "auto").strip().lower()
    if pref == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if cuda := _CUDA.fullmatch(pref):
        if not torch.cuda.is_available():
            raise ModelError(f"device {preference!r} requested but CUDA is not available")
        index, count = int(cuda.group(1) or 0), torch.cuda.device_count()
        if index >= count:
            present = ", ".join(f"cuda:{i}" for i in range(count))
            raise ModelError(f"device {preference!r} requested but this machine has {count} CUDA device(s) ({present})")
        return torch.device(pref)
    if pref == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise ModelError(f"device {preference!r} requested but Apple MPS is not available")
        return torch.device("mps")
    if pref == "cpu":
        return torch.device("cpu")
    raise ModelError(f"unknown device {preference!r}; choose one of auto, cpu, cuda, cuda:N, mps")


def describe_device(device: torch.device) -> str:
    """Human-readable device name for reports, e.g. 'cuda (NVIDIA RTX 4090)' or 'cpu (8 threads)'."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        return f"cpu ({torch.get_num_threads()} threads)"
    return device.type


def model_device(model) -> torch.device | str:
    """The device `model` computes on: its own `device`, else its first parameter's, else "cpu"."""
    device = getattr(model, "device", None)
    if device is None:
        p = next(model.parameters(), None)
        device = p.device if p is not None else "cpu"
    return device


def model_device_text(model) -> str:
    """Where `model` computes, for people: 'cpu (8 threads)', 'cuda (NVIDIA RTX 4090)'."""
    device = model_device(model)
    return describe_device(device) if isinstance(device, torch.device) else str(device)

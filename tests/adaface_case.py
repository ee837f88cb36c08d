"""An AdaFace case made at test time: random IResNet-18 weights stand in for a user's checkpoint."""

from __future__ import annotations

from pathlib import Path


def make_adaface_case(folder: Path, pair_session, seed: int = 0) -> tuple[Path, Path]:
    """(case file, checkpoint): the pair explained (2 iterations) by an IResNet-18 with seeded random weights,
    saved as a plain state dict — an AdaFace case made on this machine."""
    import torch

    from fame_desktop.session.casefile import save_case
    from fame_desktop.core.fame import FameParams
    from fame_desktop.core.models import load_face_model
    from fame_desktop.core.models.iresnet import IResNet
    from fame_desktop.core.verification import explain_pair

    torch.manual_seed(seed)
    checkpoint = folder / f"ir18-seed{seed}.pt"
    torch.save(IResNet(18).state_dict(), checkpoint)
    model = load_face_model("adaface-ir18", checkpoint, "cpu")
    s = pair_session
    s.set_model("adaface-ir18", str(checkpoint), "cpu")
    params = FameParams(iterations=2, epsilon=0.0)
    s.set_parameters(params)
    snapshot = s.run_snapshot(model.describe(), params)
    s.set_explanation(explain_pair(model, s.inputs["gallery"].model_input, s.inputs["probe"].model_input, params), model.describe(), snapshot)
    case = folder / "adaface.famecase"
    save_case(s, case)
    return case, checkpoint

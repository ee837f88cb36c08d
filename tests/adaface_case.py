"""An AdaFace case made at test time: random IResNet-18 weights stand in for a user's checkpoint."""

from __future__ import annotations

from pathlib import Path


def make_adaface_case(folder: Path, pair_session, seed: int = 0) -> tuple[Path, Path]:
    """(case file, checkpoint): the pair session's faces explained (2 iterations) by an IResNet-18 with seeded
    random weights, saved as a plain state dict — an AdaFace case made on this machine, through the Session."""
    import torch

    from fame_desktop.core.fame import FameParams
    from fame_desktop.core.models.iresnet import IResNet
    from fame_desktop.methods import FameMethod
    from fame_desktop.session.casefile import save_case
    from fame_desktop.tasks.face_verification import face_prepared_input

    torch.manual_seed(seed)
    checkpoint = folder / f"ir18-seed{seed}.pt"
    torch.save(IResNet(18).state_dict(), checkpoint)
    s = pair_session
    task = s.task
    model = task.load_model("adaface-ir18", str(checkpoint), "cpu")
    s.set_model("adaface-ir18", str(checkpoint), "cpu")
    for role in ("gallery", "probe"):
        s.set_input(face_prepared_input(s.inputs[role].payload))
    s.set_params("fame", FameParams(iterations=2, epsilon=0.0))
    s.set_analysis(task.analyse(model, s.inputs, s.options), s.input_records())
    s.accept_result(s.request_run(FameMethod(), model, s.analysis.defaults()).execute())
    case = folder / "adaface.famecase"
    save_case(s, case)
    return case, checkpoint

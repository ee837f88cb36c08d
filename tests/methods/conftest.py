"""Real inputs for the method and metric tests: a face pair (obama / obama2, embedded model) and chelsea
for EfficientNet-Lite0, prepared by their tasks once per session (the face pair of any method: tests/conftest.py)."""

from __future__ import annotations

import pytest

from method_helpers import Prepared, prepare_imagenet


@pytest.fixture(scope="session")
def face_pair(face_model, data_dir) -> Prepared:
    from fame_desktop.core.images import load_image
    from fame_desktop.tasks.face_verification import FaceVerificationTask

    task = FaceVerificationTask()
    options = task.resolve_options({}, face_model)
    inputs = {role: task.prepare(face_model, role, load_image(data_dir / name), options)
              for role, name in (("gallery", "obama.jpg"), ("probe", "obama2.jpg"))}
    return Prepared(task, face_model, inputs, task.analyse(face_model, inputs, options), options)


@pytest.fixture(scope="session")
def lite0():
    from fame_desktop.core.models.imagenet import load_imagenet_model

    return load_imagenet_model("efficientnet-lite0", device="cpu")


@pytest.fixture(scope="session")
def chelsea(lite0) -> Prepared:
    return prepare_imagenet(lite0, "chelsea")

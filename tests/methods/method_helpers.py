"""What the method tests share: the real test images and a prepared task ready to run a method."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

IMAGENET = Path(__file__).resolve().parents[1] / "data" / "imagenet"
EGYPTIAN_CAT = 285


@dataclass
class Prepared:
    task: object
    model: object
    inputs: dict
    analysis: object
    options: dict

    def targets(self, keys=None):
        return [self.task.target(self.analysis, k) for k in keys] if keys else self.analysis.defaults()

    def run(self, method, params=None, keys=None, on_progress=None, should_cancel=None):
        from fame_desktop.tasks.runner import request_run

        params = method.default_params(self.task) if params is None else params
        req = request_run(self.task, method, self.model, self.inputs, self.analysis, self.targets(keys), params,
                          self.options)
        return req, req.execute(on_progress, should_cancel)


def prepare_imagenet(model, name: str) -> Prepared:
    from fame_desktop.core.images import load_image
    from fame_desktop.tasks.imagenet import ImageNetClassificationTask

    task = ImageNetClassificationTask()
    options = task.resolve_options({}, model)
    inputs = {"image": task.prepare(model, "image", load_image(IMAGENET / f"{name}.jpg"), options)}
    return Prepared(task, model, inputs, task.analyse(model, inputs, options), options)

"""Run in every worker of test_ray_engine's local Ray (its `worker_process_setup_hook`).

`cheap_fggb`: FGGB's 512 backward passes per face (minutes per pair on this CPU) replaced by
uniform maps, as test_evaluate's FGGB test does in its own process: the Ray test checks that
each set's EER threshold reaches the actors; tests/methods test FGGB itself.
"""

import torch


def cheap_fggb():
    from fame_desktop.methods.fggb import FggbMethod

    FggbMethod._dimension_maps = staticmethod(lambda model, x, idx: torch.ones(len(idx), 112, 112,
                                                                               dtype=torch.float64))

"""Checkpoint loading and run selection, apart from the training loop (tests/test_train.py).

A CUDA resume used to fail on every retry: the checkpoint was mapped onto the GPU, which moved
the CPU random state there, and ``torch.set_rng_state`` refuses anything but a CPU ByteTensor.
The meta device stands in for a GPU here, so the loading path is tested on any machine;
tests/test_train_cuda.py kills and resumes a real CUDA training.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import torch
from miscaling.checkpoint import load_checkpoint, resume
from miscaling.selection import resolve_run_dir, select_best
from miscaling.train import make_optimizer, train
from test_train import TRAIN, VALID, TinyRecurrentModel, factory, tiny_config

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture
def keep_global_random_states():
    """Resuming sets the process's torch/numpy/python random states: put them back after."""
    states = torch.get_rng_state(), np.random.get_state(), random.getstate()
    yield
    torch.set_rng_state(states[0])
    np.random.set_state(states[1])
    random.setstate(states[2])


@pytest.mark.filterwarnings("ignore:.*non-meta parameter.*no-op:UserWarning")
def test_checkpoints_load_on_the_cpu_and_resume_onto_another_device(
        tmp_path, keep_global_random_states):
    config = tiny_config(max_epochs=2, patience=None)
    train(factory(), TRAIN, VALID, config, tmp_path)
    checkpoint = load_checkpoint(tmp_path / "checkpoint.pt")
    states = checkpoint["random_states"]
    assert states["torch"].device.type == "cpu" and states["torch"].dtype == torch.uint8
    assert all(tensor.device.type == "cpu" for tensor in checkpoint["model_state"].values())

    # resume a model that lives on another device ("meta" stands in for a GPU)
    device = torch.device("meta")
    model = TinyRecurrentModel(3).to(device)
    optimizer = make_optimizer(model.parameters(), config)
    order_rng = np.random.default_rng(12345)
    torch.manual_seed(999)
    identity = {key: checkpoint[key] for key in ("train_config", "model_config", "data")}
    state, best_state = resume(tmp_path, identity, model, optimizer, order_rng, device)

    # the random states were restored as they were saved (CPU ByteTensors) ...
    assert torch.equal(torch.get_rng_state(), states["torch"])
    assert order_rng.bit_generator.state == states["order"]
    assert np.random.get_state(legacy=False)["state"]["key"].tolist() == \
        states["numpy"]["state"]["key"]
    assert state.epoch == 2 and state.global_step == checkpoint["state"]["global_step"]
    # ... while the optimizer's moments and the best weights follow the model to its device
    moments = [value for per_parameter in optimizer.state.values()
               for key, value in per_parameter.items() if key != "step"]
    assert moments and all(moment.device == device for moment in moments)
    assert best_state is not None and all(v.device == device for v in best_state.values())


def test_resolve_run_dir_takes_a_selection_file_or_a_run_folder(tmp_path):
    run = tmp_path / "seed0"
    train(factory(), TRAIN, VALID, tiny_config(max_epochs=1), run)
    selection = tmp_path / "selection.json"
    selection.write_text(json.dumps(select_best([run])))
    assert resolve_run_dir(selection) == run
    assert resolve_run_dir(run) == run
    with pytest.raises(FileNotFoundError, match="neither a selection file nor a run folder"):
        resolve_run_dir(tmp_path / "missing")
    (tmp_path / "other.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="not a selection file"):
        resolve_run_dir(tmp_path / "other.json")

#!/usr/bin/env python
"""Steady-state training speed of the paper-size language models: precisions, and the trainer
against a bare loop of the same model and precision.

    python benchmarks/bench_text_scale.py --mirror ../shared/data               # on a GPU
    python benchmarks/bench_text_scale.py --mirror ../shared/data --tiny        # CPU smoke run

For each family's largest paper model (char/word LSTM 2048 x 1, word LSTM 512 x 3, char
Transformer 512 x 1 and 128 x 5, word Transformer 512 x 5) on WikiText-2 with the paper's
recipe, in each precision (fp32, TF32 matmuls, bf16 autocast, both; CPU: fp32), it times
``--steps`` optimizer steps after ``--warmup`` untimed ones (autocast's and cuDNN's first-call
costs stay out) of: the trainer's own epoch loop (``train_one_epoch`` over the batches
``train()`` makes: stateful streams for the LSTMs, shuffled windows for the Transformers, under
the same deterministic settings); and a bare loop of the same model, optimizer, batches and
precision (forward, loss, backward, clip, step: the floor).  It prints tokens/s, each
precision's ratio to fp32, trainer/bare, and one WikiText-2 epoch at the trainer's best rate;
``--compile`` adds the bare loop of ``torch.compile(model)``; ``--profile`` the word LSTM's
top operations by time (where a step-bound model's time goes).
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from miscaling.batches import next_symbol_loss
from miscaling.checkpoint import TrainingState
from miscaling.data.prepare import encode_corpus
from miscaling.models import ModelConfig, build_model
from miscaling.recipes import paper_config, paper_model_options
from miscaling.train import (
    TrainingBatches,
    make_optimizer,
    matmul_precision,
    precision_context,
    seed_everything,
    train_one_epoch,
    training_numerics,
)

#: (family, level, arch, width, depth): the largest models of the paper preset's grids
PAPER_MODELS = (
    ("char LSTM", "char", "lstm", 2048, 1),
    ("word LSTM", "word", "lstm", 2048, 1),
    ("word LSTM", "word", "lstm", 512, 3),
    ("char Transformer", "char", "transformer", 512, 1),
    ("char Transformer", "char", "transformer", 128, 5),
    ("word Transformer", "word", "transformer", 512, 5),
)
TINY_MODELS = (
    ("char LSTM", "char", "lstm", 16, 1),
    ("word LSTM", "word", "lstm", 16, 1),
    ("char Transformer", "char", "transformer", 16, 1),
    ("word Transformer", "word", "transformer", 16, 1),
)
EPOCH_SYMBOLS = {"char": 10_837_000, "word": 2_088_628}  # WikiText-2 train at each level
#: precision name -> (tf32, bf16 autocast)
PRECISIONS = {"fp32": (False, False), "tf32": (True, False), "bf16": (False, True),
              "bf16+tf32": (True, True)}


def corpus(mirror: Path, level: str, out: Path) -> tuple[np.ndarray, np.ndarray, int]:
    files = {split: mirror / "wikitext-2" / f"wiki.{split}.tokens.gz"
             for split in ("train", "valid", "test")}
    summary = encode_corpus(files, level, out / level)
    load = lambda split: np.load(out / level / f"{split}.npy").astype(np.int64)  # noqa: E731
    return load("train"), load("valid"), summary["vocab_size"]


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


class Setting:
    """One model of one family in one precision: its recipe, data and batches, as train()
    builds them (a fresh model, seeded, for every timing)."""

    def __init__(self, level, arch, width, depth, data, precision, device, steps):
        self.device, self.arch = device, arch
        tf32, mixed = PRECISIONS[precision]
        train_ids, valid_ids, vocab = data
        self.config = paper_config(arch, level, device=device.type, tf32=tf32,
                                   mixed_precision=mixed)
        per_step = self.config.batch_size * self.config.bptt
        self.train_ids = train_ids[: (steps + 1) * per_step + self.config.batch_size + 1]
        self.valid_ids = valid_ids[: 2 * per_step + self.config.batch_size + 1]
        self.model_config = ModelConfig(arch, vocab, width, depth, max_len=self.config.bptt,
                                        **paper_model_options(arch, level))
        self.precision = precision_context(device, mixed)

    def fresh(self):
        seed_everything(0)
        network = build_model(self.model_config)
        data = TrainingBatches(network, self.train_ids, self.valid_ids, self.config,
                               self.model_config.vocab_size, self.device)
        return network, data, make_optimizer(network.parameters(), self.config, self.device)

    def context(self):
        return training_numerics(self.device, self.config)


def trainer_rate(setting: Setting, warmup: int, steps: int) -> float:
    """Tokens/s of the trainer's epoch loop over ``steps`` steps after ``warmup`` steps."""
    with setting.context():
        network, data, optimizer = setting.fresh()
        batches, forward = data.epoch(np.random.default_rng(0))
        batches, state = iter(batches), TrainingState()
        total = warmup + steps

        def run(count: int) -> int:
            return train_one_epoch(network, optimizer, itertools.islice(batches, count), forward,
                                   setting.config, state, total, total,
                                   precision=setting.precision)[2]

        run(warmup)
        synchronize(setting.device)
        start = time.perf_counter()
        symbols = run(steps)
        synchronize(setting.device)
        return symbols / (time.perf_counter() - start)


def bare_rate(setting: Setting, warmup: int, steps: int, compile_model: bool = False,
              deterministic: bool = True) -> float:
    """Tokens/s of a minimal loop on the same model, optimizer, batches and precision."""
    context = setting.context() if deterministic else matmul_precision(
        setting.device, setting.config.tf32)
    with context:
        network, data, optimizer = setting.fresh()
        batches = list(itertools.islice(data.epoch(np.random.default_rng(0))[0], warmup + steps))
        stateful, clip = setting.config.stateful, setting.config.clip
        model = torch.compile(network) if compile_model else network
        network.train()
        hidden = None

        def step(inputs, targets):
            nonlocal hidden
            with setting.precision():
                if stateful:
                    logits, hidden = network.advance(inputs, hidden)
                    hidden = tuple(h.detach() for h in hidden) if isinstance(hidden, tuple) \
                        else hidden.detach()
                else:
                    logits = model(inputs)
                loss = next_symbol_loss(logits, targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if clip > 0:
                torch.nn.utils.clip_grad_norm_(network.parameters(), clip)
            optimizer.step()

        for inputs, targets in batches[:warmup]:
            step(inputs, targets)
        synchronize(setting.device)
        start = time.perf_counter()
        for inputs, targets in batches[warmup:]:
            step(inputs, targets)
        synchronize(setting.device)
        symbols = sum(targets.numel() for _, targets in batches[warmup:])
        return symbols / (time.perf_counter() - start)


def profile(setting: Setting, steps: int, out: Path | None) -> str:
    """The top operations of ``steps`` trainer steps by device (or CPU) time."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    activities = [ProfilerActivity.CPU] + (
        [ProfilerActivity.CUDA] if setting.device.type == "cuda" else [])
    with setting.context():
        network, data, optimizer = setting.fresh()
        batches, forward = data.epoch(np.random.default_rng(0))
        batches = iter(batches)
        state = TrainingState()
        train_one_epoch(network, optimizer, itertools.islice(batches, 5), forward,
                        setting.config, state, 10 ** 6, 10 ** 6, precision=setting.precision)
        with torch_profile(activities=activities) as prof:
            train_one_epoch(network, optimizer, itertools.islice(batches, steps), forward,
                            setting.config, state, 10 ** 6, 10 ** 6,
                            precision=setting.precision)
            synchronize(setting.device)
    key = "self_cuda_time_total" if setting.device.type == "cuda" else "self_cpu_time_total"
    table = prof.key_averages().table(sort_by=key, row_limit=15)
    if out is not None:
        prof.export_chrome_trace(str(out))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", type=Path, required=True, help="folder with wikitext-2/")
    parser.add_argument("--steps", type=int, default=100, help="timed optimizer steps")
    parser.add_argument("--warmup", type=int, default=20, help="untimed steps before")
    parser.add_argument("--tiny", action="store_true", help="width-16 models (CPU smoke run)")
    parser.add_argument("--families", nargs="+", default=None,
                        help="only these families (e.g. 'char LSTM' 'word Transformer')")
    parser.add_argument("--precisions", nargs="+", choices=tuple(PRECISIONS), default=None,
                        help="default: all four on CUDA, fp32 on CPU")
    parser.add_argument("--compile", action="store_true",
                        help="also time the bare loop of torch.compile(model) (Transformers, "
                             "the last precision)")
    parser.add_argument("--nondeterministic", action="store_true",
                        help="also time the bare loop without deterministic algorithms")
    parser.add_argument("--profile", type=int, default=0, metavar="STEPS",
                        help="profile this many steps of the word LSTM(s) in the first precision")
    parser.add_argument("--trace", type=Path, default=None, help="chrome trace of --profile")
    parser.add_argument("--levels", nargs="+", choices=("char", "word"),
                        default=("char", "word"), help="which levels' models to time")
    parser.add_argument("--out", type=Path, default=None, help="also write the rows as JSON")
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    name = torch.cuda.get_device_name(0) if device.type == "cuda" else "CPU"
    precisions = args.precisions or (list(PRECISIONS) if device.type == "cuda" else ["fp32"])
    print(f"device: {name}, torch {torch.__version__}, {args.warmup} warm-up + {args.steps} "
          f"timed steps per timing", flush=True)
    rows = []
    models = [model for model in (TINY_MODELS if args.tiny else PAPER_MODELS)
              if model[1] in args.levels and (args.families is None or model[0] in args.families)]
    with tempfile.TemporaryDirectory() as tmp:
        data = {level: corpus(args.mirror, level, Path(tmp)) for level in args.levels}
        for family, level, arch, width, depth in models:
            fp32 = None
            for precision in precisions:
                setting = Setting(level, arch, width, depth, data[level], precision, device,
                                  args.warmup + args.steps)
                trainer = trainer_rate(setting, args.warmup, args.steps)
                bare = bare_rate(setting, args.warmup, args.steps)
                fp32 = fp32 or (trainer if precision == "fp32" else None)
                row = {"family": family, "level": level, "arch": arch, "width": width,
                       "depth": depth, "device": name, "precision": precision,
                       "trainer_tok_s": trainer, "bare_tok_s": bare,
                       "trainer_vs_bare": trainer / bare,
                       "vs_fp32": trainer / fp32 if fp32 else float("nan"),
                       "epoch_s": EPOCH_SYMBOLS[level] / trainer}
                extra = ""
                if args.compile and arch == "transformer" and precision == precisions[-1]:
                    row["compiled_tok_s"] = bare_rate(setting, args.warmup, args.steps, True)
                    extra += f" | compiled {row['compiled_tok_s']:12,.0f}"
                if args.nondeterministic:
                    row["free_tok_s"] = bare_rate(setting, args.warmup, args.steps,
                                                  deterministic=False)
                    extra += f" | bare, nondeterministic {row['free_tok_s']:12,.0f}"
                rows.append(row)
                if args.out:  # after every row: a run cut by a time limit keeps what it timed
                    args.out.write_text(json.dumps(rows, indent=1) + "\n")
                print(f"{family:17s} {width:5d} x {depth} {precision:9s}: trainer "
                      f"{trainer:12,.0f} tok/s ({row['vs_fp32']:5.2f}x fp32) | bare "
                      f"{bare:12,.0f} | trainer/bare {trainer / bare:5.2f} | one epoch "
                      f"{row['epoch_s']:7.1f} s{extra}", flush=True)
        if args.profile:
            for family, level, arch, width, depth in models:
                if family == "word LSTM":
                    setting = Setting(level, arch, width, depth, data[level], precisions[0],
                                      device, args.profile + 5)
                    print(f"\n{family} {width} x {depth}, {precisions[0]}, {args.profile} steps:")
                    print(profile(setting, args.profile, args.trace), flush=True)


if __name__ == "__main__":
    main()

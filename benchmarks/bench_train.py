#!/usr/bin/env python
"""Training throughput of miscaling.train.train against bare loops in the same process.

    python benchmarks/bench_train.py              # widths 8, 32, 128 on binary data (minutes)
    python benchmarks/bench_train.py --quick      # widths 8, 32; fewer steps (smoke run)

For each architecture (rnn, lstm, transformer from miscaling.models) and width, on batches of
the paper's binary setting (batch 50, sequences of 512, no truncated BPTT), it times, in
target symbols per second:

* ``train()``  one epoch of :func:`miscaling.train.train` (its log's tokens_per_s: the training
               part of the epoch, everything included: shuffling, lr schedule, NaN check,
               clipping; validation and checkpointing are reported separately as ``other s``);
* ``bare``     the same model, optimizer and batches in a minimal loop: forward, loss,
               backward, step -- the floor our loop can reach;
* ``torch``    torch's own layer of the same width (nn.RNN / nn.LSTM / nn.TransformerEncoder
               with a causal mask) between an embedding and a decoder, in the bare loop: what
               the model code costs compared with the stock module.

``--text`` times the text recipes instead, on WikiText-2's first 1M characters
(results/data/wikitext2_char/train.npy when present, else encoded from the shared mirror): a
character LSTM of width 128 (embedding 200, batch 128, stateful BPTT 100, resets 0.01) in
``train()`` against a bare stateful loop (same model, optimizer, streams and carried state:
forward, loss, backward, clip, step), and a character Transformer of width 128 x 1 (8 heads,
context 512, batch 64) in ``train()``; with a GPU, also both in ``train()`` on CUDA in fp32 and
with ``mixed_precision`` (bf16 autocast)::

    python benchmarks/bench_train.py --text --text-steps 8

All timings come from the same process (after a warm-up), each the best of ``--repeats``
epochs of the same number of batches, so the ratios compare like with like and background load
hurts less.  ``--threads 1 2`` repeats the CPU run per torch thread count: tiny recurrent models
spend their time in per-time-step OpenMP barriers, so one thread is often faster, and much
faster when the cores are shared with other jobs.  CUDA is timed too when available.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import tempfile
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from miscaling.checkpoint import read_log
from miscaling.train import make_optimizer, paper_config, train
from torch import nn

LENGTH = 512
BATCH = 50


@dataclass
class Row:
    device: str
    threads: int
    arch: str
    width: int
    train_tok_s: float
    bare_tok_s: float
    torch_tok_s: float
    other_seconds: float  # validation + checkpoint + log of the train() epoch

    @property
    def train_vs_bare(self) -> float:
        return self.train_tok_s / self.bare_tok_s

    @property
    def model_vs_torch(self) -> float:
        return self.bare_tok_s / self.torch_tok_s


def model_config(arch: str, width: int) -> dict:
    return {"arch": arch, "vocab_size": 2, "width": width, "depth": 1,
            "heads": 4 if arch == "transformer" else None, "max_len": LENGTH}


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_train(
    arch: str, width: int, data: np.ndarray, device: torch.device, repeats: int
) -> tuple[float, float]:
    """Best epoch's tokens/s of train()'s training part and that epoch's remaining seconds."""
    config = paper_config(arch, max_epochs=repeats, patience=None, device=device.type)
    with tempfile.TemporaryDirectory() as out_dir:
        train(model_config(arch, width), data, data[:BATCH], config, out_dir)
        row = max(read_log(f"{out_dir}/log.csv"), key=lambda row: row["tokens_per_s"])
    symbols = len(data) * (LENGTH - 1)
    return row["tokens_per_s"], row["seconds"] - symbols / row["tokens_per_s"]


def time_steps(step, steps: int, repeats: int, device: torch.device) -> float:
    """Best of ``repeats`` runs of ``steps`` steps, in target symbols per second."""
    step()  # warm-up: allocations, lazy imports, cuDNN plans
    best = math.inf
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        for _ in range(steps):
            step()
        synchronize(device)
        best = min(best, time.perf_counter() - start)
    return steps * BATCH * (LENGTH - 1) / best


def time_bare(arch: str, width: int, batches: torch.Tensor, repeats: int, device) -> float:
    from miscaling.models import ModelConfig, build_model

    model = build_model(ModelConfig.from_dict(model_config(arch, width))).to(device)
    optimizer = make_optimizer(model.parameters(), paper_config(arch))
    batch_iterator = itertools.cycle(batches)

    def step():
        batch = next(batch_iterator)
        loss = F.cross_entropy(model(batch[:, :-1]).reshape(-1, 2), batch[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return time_steps(step, len(batches), repeats, device)


class StockModel(nn.Module):
    """Embedding -> torch's own recurrent/attention layer -> linear."""

    def __init__(self, arch: str, width: int):
        super().__init__()
        self.arch = arch
        self.embedding = nn.Embedding(2, width)
        if arch == "transformer":
            layer = nn.TransformerEncoderLayer(width, 4, 4 * width, dropout=0.0,
                                               batch_first=True)
            self.body = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
        else:
            self.body = (nn.LSTM if arch == "lstm" else nn.RNN)(width, width, batch_first=True)
        self.decoder = nn.Linear(width, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.embedding(x)
        if self.arch == "transformer":
            mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1], device=x.device)
            h = self.body(h, mask=mask, is_causal=True)
        else:
            h, _ = self.body(h)
        return self.decoder(h)


def time_stock(arch: str, width: int, batches: torch.Tensor, repeats: int, device) -> float:
    model = StockModel(arch, width).to(device)
    optimizer = make_optimizer(model.parameters(), paper_config(arch))
    batch_iterator = itertools.cycle(batches)

    def step():
        batch = next(batch_iterator)
        loss = F.cross_entropy(model(batch[:, :-1]).reshape(-1, 2), batch[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return time_steps(step, len(batches), repeats, device)


def char_text(symbols: int) -> tuple[np.ndarray, int]:
    """The first ``symbols`` characters of WikiText-2's training text and the vocabulary size."""
    from pathlib import Path

    prepared = Path("results/data/wikitext2_char")
    if (prepared / "train.npy").exists():
        vocab = json.loads((prepared / "vocab.json").read_text())["vocab_size"]
        return np.load(prepared / "train.npy", mmap_mode="r")[:symbols].astype(np.int64), vocab
    from miscaling.data.prepare import encode_corpus

    mirror = Path(__file__).resolve().parents[2] / "shared/data/wikitext-2"
    out = Path(tempfile.mkdtemp())
    summary = encode_corpus({"train": mirror / "wiki.train.tokens.gz"}, "char", out)
    return np.load(out / "train.npy")[:symbols].astype(np.int64), summary["vocab_size"]


def time_text(steps: int, repeats: int) -> None:
    """Char LSTM (stateful) and char Transformer throughput, train() and a bare loop."""
    from miscaling.models import ModelConfig, build_model
    from miscaling.stateful import make_streams
    from miscaling.train import paper_model_options

    text, vocab = char_text(1_000_000)
    rows = []
    for arch, width, bptt, batch in (("lstm", 128, 100, 128), ("transformer", 128, 512, 64)):
        model = dict(arch=arch, vocab_size=vocab, width=width, depth=1, max_len=bptt,
                     **paper_model_options(arch, "char"))
        config = paper_config(arch, "char", max_epochs=repeats, patience=None, device="cpu")
        per_step = batch * bptt
        train_data = text[: steps * per_step + (batch if config.stateful else 1)]
        valid_data = text[-(2 * batch * (bptt + 1)):]
        with tempfile.TemporaryDirectory() as out_dir:
            train(model, train_data, valid_data, config, out_dir)
            best = max(read_log(f"{out_dir}/log.csv"), key=lambda row: row["tokens_per_s"])
        bare = math.nan
        if config.stateful:
            network = build_model(ModelConfig.from_dict(model))
            optimizer = make_optimizer(network.parameters(), config)
            streams = torch.from_numpy(make_streams(train_data, batch, "text"))
            state = {"hidden": None, "start": 0}

            def step():
                start = state["start"]
                if start + bptt >= streams.shape[1]:
                    start, state["hidden"] = 0, None
                logits, hidden = network.advance(streams[:, start:start + bptt],
                                                 state["hidden"])
                state["hidden"] = tuple(h.detach() for h in hidden)
                state["start"] = start + bptt
                loss = F.cross_entropy(logits.reshape(-1, vocab),
                                       streams[:, start + 1:start + bptt + 1].reshape(-1))
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(network.parameters(), config.clip)
                optimizer.step()

            network.train()
            bare = time_steps(step, steps, repeats, torch.device("cpu")) * per_step / (
                BATCH * (LENGTH - 1))
        rows.append((arch, width, best["tokens_per_s"], bare))
        print(f"char {arch:<11} m={width} batch {batch} bptt {bptt}: train() "
              f"{best['tokens_per_s']:>9.0f} tok/s  bare {bare:>9.0f} tok/s  "
              f"train/bare {best['tokens_per_s'] / bare:.2f}", flush=True)
        if torch.cuda.is_available():
            rates = []
            for mixed in (False, True):
                with tempfile.TemporaryDirectory() as out_dir:
                    train(model, train_data, valid_data,
                          config.replace(device="cuda", mixed_precision=mixed), out_dir)
                    rates.append(max(row["tokens_per_s"]
                                     for row in read_log(f"{out_dir}/log.csv")))
            print(f"     cuda: train() fp32 {rates[0]:>10.0f} tok/s  bf16 {rates[1]:>10.0f} "
                  f"tok/s  bf16/fp32 {rates[1] / rates[0]:.2f}", flush=True)
    print(f"\n{steps} steps per epoch, best of {repeats}, {torch.get_num_threads()} thread(s), "
          f"torch {torch.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="widths 8 and 32, fewer batches")
    parser.add_argument("--widths", type=int, nargs="+", help="override the widths")
    parser.add_argument("--threads", type=int, nargs="+", default=[1],
                        help="torch CPU thread counts to time (default: 1)")
    parser.add_argument("--repeats", type=int, default=2, help="best of this many epochs")
    parser.add_argument("--json", help="also write the rows to this JSON file")
    parser.add_argument("--text", action="store_true",
                        help="time the WikiText-2 char recipes (stateful LSTM, Transformer)")
    parser.add_argument("--text-steps", type=int, default=8, help="optimizer steps per epoch")
    args = parser.parse_args()
    try:
        import miscaling.models  # noqa: F401
    except ImportError as err:
        print(f"skipped: miscaling.models is not importable ({err})")
        return
    if args.text:
        torch.set_num_threads(args.threads[0])
        time_text(args.text_steps, args.repeats)
        return

    widths = args.widths or ([8, 32] if args.quick else [8, 32, 128])
    epoch_batches = 2 if args.quick else 4
    data = np.random.default_rng(0).integers(0, 2, size=(epoch_batches * BATCH, LENGTH))
    settings = [(torch.device("cpu"), threads) for threads in args.threads]
    if torch.cuda.is_available():
        settings.append((torch.device("cuda"), torch.get_num_threads()))

    rows = []
    for device, threads in settings:
        torch.set_num_threads(threads)
        batches = torch.from_numpy(data).to(device).view(epoch_batches, BATCH, LENGTH)
        time_train("lstm", 8, data[: 2 * BATCH], device, 1)  # warm-up: lazy imports
        for arch in ("rnn", "lstm", "transformer"):
            for width in widths:
                train_tok_s, other = time_train(arch, width, data, device, args.repeats)
                row = Row(device.type, threads, arch, width, train_tok_s,
                          time_bare(arch, width, batches, args.repeats, device),
                          time_stock(arch, width, batches, args.repeats, device), other)
                rows.append(row)
                print(f"{row.device:>4} t={row.threads} {arch:<11} m={width:<4} "
                      f"train {row.train_tok_s:>9.0f} tok/s  bare {row.bare_tok_s:>9.0f}  "
                      f"torch {row.torch_tok_s:>9.0f}", flush=True)

    print()
    print(f"batch {BATCH} x length {LENGTH}, binary symbols, one layer; torch {torch.__version__}")
    header = (f"{'device':>6} {'thr':>3} {'arch':<11} {'width':>5} {'train tok/s':>12} "
              f"{'bare tok/s':>11} {'torch tok/s':>12} {'train/bare':>10} {'model/torch':>11} "
              f"{'other s':>8}")
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row.device:>6} {row.threads:>3} {row.arch:<11} {row.width:>5} "
              f"{row.train_tok_s:>12.0f} {row.bare_tok_s:>11.0f} {row.torch_tok_s:>12.0f} "
              f"{row.train_vs_bare:>10.2f} {row.model_vs_torch:>11.2f} "
              f"{row.other_seconds:>8.2f}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump([asdict(row) | {"train_vs_bare": row.train_vs_bare,
                                      "model_vs_torch": row.model_vs_torch} for row in rows],
                      handle, indent=2)
    assert all(math.isfinite(row.train_tok_s) for row in rows)


if __name__ == "__main__":
    main()

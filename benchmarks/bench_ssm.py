#!/usr/bin/env python
"""CPU speed of the selective SSM against an LSTM with the same number of state values.

    python benchmarks/bench_ssm.py                 # ssm width 8 x 1 vs LSTM width 152 x 1
    python benchmarks/bench_ssm.py --quick         # fewer steps and samples (smoke run)

The LSTM's width is chosen so that its state, 2·width·depth (h and c), holds as many numbers as
the SSM's, depth·d_inner·(d_state + kernel − 1) (:func:`miscaling.models.state_values`).  Both
models are timed in the same process, on the paper's binary setting:

* ``train``   training steps (forward, loss, backward, clip, optimizer step with the model's
              recipe, :func:`miscaling.recipes.paper_config`) on batches of 50 × 512 random
              binary symbols, in target symbols per second;
* ``sample``  :func:`miscaling.sample.generate` (batched, one ``step`` per symbol), in sampled
              symbols per second.

Each number is the best of ``--repeats`` timed runs after one untimed warm-up run; ratios are
SSM / LSTM (above 1: the SSM is faster).  ``--threads`` sets torch's thread count (default 1:
the tiny recurrent models gain nothing from threads on a shared machine).
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F
from miscaling.models import ModelConfig, build_model, count_parameters, state_values
from miscaling.sample import generate
from miscaling.train import make_optimizer, paper_config


def best_seconds(run, repeats: int) -> float:
    run()  # warm-up, not timed
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def train_tokens_per_s(config: ModelConfig, batch: int, length: int, steps: int,
                       repeats: int) -> float:
    torch.manual_seed(0)
    model = build_model(config).train()
    recipe = paper_config(config.arch, "binary")
    optimizer = make_optimizer(model.parameters(), recipe)
    data = torch.randint(0, 2, (batch, length + 1), generator=torch.Generator().manual_seed(0))
    inputs, targets = data[:, :-1], data[:, 1:]

    def run():
        for _ in range(steps):
            logits = model(inputs)
            loss = F.cross_entropy(logits.reshape(-1, 2), targets.reshape(-1))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), recipe.clip)
            optimizer.step()

    return steps * batch * length / best_seconds(run, repeats)


def sample_tokens_per_s(config: ModelConfig, n: int, length: int, batch: int,
                        repeats: int) -> float:
    torch.manual_seed(0)
    model = build_model(config)

    def run():
        generate(model, n, length, batch_size=batch, seed=0, device="cpu")

    return n * length / best_seconds(run, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=8, help="the SSM's width")
    parser.add_argument("--depth", type=int, default=1)
    parser.add_argument("--state-size", type=int, default=16)
    parser.add_argument("--expand", type=int, default=2)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--length", type=int, default=512)
    parser.add_argument("--steps", type=int, default=4, help="training steps per timed run")
    parser.add_argument("--samples", type=int, default=500, help="sequences per timed run")
    parser.add_argument("--sample-length", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="1 step, 20 samples of 64")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.samples, args.sample_length, args.repeats = 1, 20, 64, 1
    torch.set_num_threads(args.threads)

    ssm = ModelConfig("ssm", 2, args.width, args.depth, state_size=args.state_size,
                      expand=args.expand)
    values = state_values(ssm)
    lstm_width = max(1, round(values / (2 * args.depth)))
    lstm = ModelConfig("lstm", 2, lstm_width, args.depth, embedding_dim=2)
    print(f"torch {torch.__version__}, {args.threads} thread(s); training batch {args.batch} x "
          f"{args.length}, {args.steps} steps; sampling {args.samples} x {args.sample_length} "
          f"(batch {args.samples}); best of {args.repeats}")
    rows = {}
    for name, config in (("ssm", ssm), ("lstm", lstm)):
        rows[name] = (
            config.width, config.depth, state_values(config),
            count_parameters(build_model(config)),
            train_tokens_per_s(config, args.batch, args.length, args.steps, args.repeats),
            sample_tokens_per_s(config, args.samples, args.sample_length, args.samples,
                                args.repeats),
        )
    header = (f"{'arch':<6}{'width':>6}{'depth':>6}{'state':>7}{'params':>8}"
              f"{'train tok/s':>13}{'ratio':>8}{'sample tok/s':>14}{'ratio':>8}")
    print(header)
    reference = rows["lstm"]
    for name, (width, depth, state, params, train_rate, sample_rate) in rows.items():
        print(f"{name:<6}{width:>6}{depth:>6}{state:>7}{params:>8}{train_rate:>13,.0f}"
              f"{train_rate / reference[4]:>7.2f}x{sample_rate:>14,.0f}"
              f"{sample_rate / reference[5]:>7.2f}x")


if __name__ == "__main__":
    main()

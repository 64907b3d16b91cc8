"""The benchmark scripts run (tiny sizes) and print what their docstrings promise.

Their timings are not checked here (speed is measured by running them, see benchmarks/RESULTS.md);
these tests only keep the scripts from rotting as the library changes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def run_benchmark(script: str, *args: str) -> str:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_bench_generate_prints_every_ratio():
    out = run_benchmark("bench_generate.py", "--widths", "4", "--n-sequences", "8",
                        "--length", "12", "--batch-size", "4", "--sequential", "2",
                        "--recomputed", "3", "--max-threads", "2")
    rows = {line.split()[0]: line.split() for line in out.splitlines()
            if line.split() and line.split()[0] in ("rnn", "lstm", "transformer")}
    assert set(rows) == {"rnn", "lstm", "transformer"}
    assert "streaming read bandwidth on 2 threads" in out
    # rnn/lstm: width, 1-at-a-time, batched and ratio on 1 and 2 threads; the Transformer adds
    # the KV-read ceiling and cached vs recomputed, each with its ratio
    assert len(rows["rnn"]) == 2 + 5 and len(rows["lstm"]) == 2 + 5
    assert len(rows["transformer"]) == 2 + 5 + 2 + 3
    # each ratio column holds "<number>x"; its value depends on the machine's load (a ratio
    # printed as 0x on a busy machine is still a ratio), so only the format is checked
    ratios = [rows["transformer"][i] for i in (4, 6, 8, 11)]
    ratios += [rows[arch][i] for arch in ("rnn", "lstm") for i in (4, 6)]
    assert all(re.fullmatch(r"\d+(\.\d+)?x", field) for field in ratios), ratios


def test_kv_bytes_count_every_cached_read():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench_generate import kv_bytes_per_sequence
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    width, depth, length = 8, 2, 5
    # steps t = 1 … length-1 each read the t cached keys and values of every layer (float32)
    expected = sum(2 * 4 * width * depth * t for t in range(1, length))
    assert kv_bytes_per_sequence(width, depth, length) == expected


def test_memory_benchmarks_report_peaks():
    memory = run_benchmark("bench_mi_memory.py", "--sizes", "1e5", "--bootstrap", "4",
                           "--lags", "1:5")
    assert "100,000" in memory and "peak GiB" in memory
    prepare = run_benchmark("bench_prepare.py", "--chars", "200000")
    stages = [line.split()[0] for line in prepare.splitlines() if line.split()]
    assert {"read", "prepare", "mi"} <= set(stages)


def test_bench_sample_streams_prints_both_rates_and_ratio():
    out = run_benchmark("bench_sample_streams.py", "--quick", "--repeats", "1",
                        "--widths", "16", "--transformer-width", "16")
    rows = {line.split()[0]: line.split() for line in out.splitlines()
            if line.split() and line.split()[0] in ("lstm", "transformer")}
    assert set(rows) == {"lstm", "transformer"}
    assert "lstm: 20 streams x 200 from the zero state" in out  # 4,000 characters / 20
    assert "transformer: 62 x 65" in out  # ceil(4,000 / 65) sequences of context 64 + 1
    # width, 1-at-a-time and batched rates, ratio, seconds for 2M characters at each rate;
    # the values depend on the machine's load, so only their format is checked
    for fields in rows.values():
        assert len(fields) == 2 + 5, fields
        assert re.fullmatch(r"\d+(\.\d+)?x", fields[4]), fields
        assert all(re.fullmatch(r"[\d,]+", field) for field in fields[2:4] + fields[5:]), fields


def test_bench_calibration_prints_both_rules_per_case():
    out = run_benchmark("bench_calibration.py", "--replicates", "5")
    rows = [line.split() for line in out.splitlines()[1:] if line.strip()]
    assert len(rows) == 10 and {row[3] for row in rows} == {"before", "after"}
    assert all(re.fullmatch(r"\d+%", field) for row in rows for field in row[4:])
    out = run_benchmark("bench_calibration.py", "--rule", "control", "--replicates", "5")
    rows = [line.split() for line in out.splitlines()[1:] if line.strip()]
    assert len(rows) == 20 and {row[-4] for row in rows} == {"before", "after"}


def test_bench_seed_spread_measures_every_restart(tmp_path):
    models, data = tmp_path / "models" / "binary", tmp_path / "data" / "binary"
    data.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name, n in (("train", 64), ("valid", 16)):
        np.save(data / f"{name}.npy", rng.integers(0, 2, (n, 32), dtype=np.uint8))
    for seed in (0, 1):
        run = models / "rnn_w2_d1" / f"seed{seed}"
        subprocess.run([sys.executable, "-m", "miscaling", "train", "--arch", "rnn", "--width",
                        "2", "--depth", "1", "--embedding-dim", "2", "--max-epochs", "1",
                        "--train", str(data / "train.npy"), "--valid", str(data / "valid.npy"),
                        "--seed", str(seed), "--out-dir", str(run)],
                       check=True, capture_output=True, timeout=300)
    out = run_benchmark("bench_seed_spread.py", str(models), "--n-sequences", "40",
                        "--length", "32", "--min-mi", "0")
    row = next(line.split() for line in out.splitlines() if line.startswith("rnn_w2_d1"))
    assert len(row) == 5  # the model, two restarts' xi, the seed spread, the CI half-width
    assert "median seed sd/mean over 1 models" in out
    assert "pooled seed sd/mean (root mean square, what the pipeline uses)" in out


def test_bench_draw_times_both_draws_and_the_word_samplers():
    out = run_benchmark("bench_draw.py", "--quick", "--vocabularies", "2", "4096",
                        "--word-vocabulary", "4096", "--steps", "4", "--repeats", "2")
    rows = [line.split() for line in out.splitlines() if line.split()]
    draws = {row[1]: row for row in rows if row[0] == "draw" and row[1].isdigit()}
    samplers = {row[0]: row for row in rows if row[0] in ("lstm", "transformer")}
    assert set(draws) == {"2", "4096"} and set(samplers) == {"lstm", "transformer"}
    assert all(row[-1].endswith("x") for row in [*draws.values(), *samplers.values()])


def test_bench_ssm_prints_both_models_with_equal_state_and_both_scans(tmp_path):
    rows_file = tmp_path / "ssm.jsonl"
    out = run_benchmark("bench_ssm.py", "--quick", "--batch", "2", "--length", "256", "--scans",
                        "--out", str(rows_file))
    rows = {line.split()[0]: line.split() for line in out.splitlines()
            if line.split() and line.split()[0] in ("ssm", "lstm", "sequential", "chunked")}
    assert set(rows) == {"ssm", "lstm", "sequential", "chunked"}
    assert rows["ssm"][3] == rows["lstm"][3] == "304"  # the same number of state values
    assert rows["lstm"][6] == rows["lstm"][8] == "1.00x"
    # chunks of 16 over 256 steps: far fewer kernel launches per training step
    assert rows["chunked"][1] == "16" and rows["sequential"][2] == rows["sequential"][4] == "1.00x"
    assert int(rows["chunked"][-1]) < int(rows["sequential"][-1]) / 2
    # --out: the same rows as JSON lines, with the shapes they were timed at
    records = [json.loads(line) for line in rows_file.read_text().splitlines()]
    assert [(r["table"], r.get("name") or r["scan"]) for r in records] == [
        ("models", "lstm"), ("models", "ssm"), ("scans", "sequential"), ("scans", "chunked 16")]
    assert all((r["batch"], r["length"], r["device"]) == (2, 256, "cpu") for r in records)
    assert records[1]["state"] == records[0]["state"] == 304
    assert records[3]["ops_per_step"] == int(rows["chunked"][-1])


def gpu_session_folder(folder: Path) -> Path:
    """A GPU session's kept files as benchmarks/gpu/session.sh writes them (made-up numbers)."""
    text = [{"family": "char LSTM", "level": "char", "arch": "lstm", "width": 2048, "depth": 1,
             "device": "NVIDIA H200", "precision": precision, "trainer_tok_s": rate,
             "bare_tok_s": bare, "trainer_vs_bare": rate / bare, "vs_fp32": rate / 1e6,
             "epoch_s": 10_837_000 / rate}
            for precision, rate, bare in (("fp32", 1e6, 1.05e6), ("tf32", 1.2e6, 1.5e6))]
    text.append({"family": "char Transformer", "level": "char", "arch": "transformer",
                 "width": 512, "depth": 1, "device": "NVIDIA H200", "precision": "bf16+tf32",
                 "trainer_tok_s": 3e6, "bare_tok_s": 3.1e6, "trainer_vs_bare": 3 / 3.1,
                 "vs_fp32": 4.0, "epoch_s": 3.6, "compiled_tok_s": 3.72e6})
    (folder / "text_scale.json").write_text(json.dumps(text))
    (folder / "ssm.jsonl").write_text("\n".join(json.dumps(row) for row in [
        {"table": "models", "device": "cuda", "batch": 50, "length": 512, "name": "lstm",
         "arch": "lstm", "width": 152, "depth": 1, "state": 304, "params": 1, "train_tok_s": 2e6,
         "sample_tok_s": 1e6, "train_vs_lstm": 1.0, "sample_vs_lstm": 1.0},
        {"table": "scans", "device": "cuda", "batch": 50, "length": 512, "scan": "chunked 23",
         "width": 8, "depth": 1, "ms": 1.5, "train_tok_s": 3e6, "ops_per_step": 490}]))
    for name, epochs, result in (("binary_lstm_w8_d1", 30, {"stopped_early": True}),
                                 ("binary_ssm_w8_d1", 12, None),
                                 ("char_transformer_w128_d1", 4, {"stopped_early": False})):
        run = folder / "stop" / name
        run.mkdir(parents=True)
        lines = ["epoch,train_loss,val_loss,lr,seconds,tokens_per_s,best_val_loss"]
        lines += [f"{e},{1 / e},{1 / e + (0.5 if e == epochs else 0)},0.001,2.0,{5e5 + e},0.1"
                  for e in range(1, epochs + 1)]
        (run / "log.csv").write_text("\n".join(lines) + "\n")
        if result is not None:
            (run / "result.json").write_text(json.dumps(result))
    (folder / "steps.txt").write_text("rule  jobs  s\ntrain_model  4  120.0\n")
    return folder


def test_gpu_session_summary_gives_every_number_and_the_constants_they_propose(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks" / "gpu"))
    try:
        from summarize import summary
    finally:
        sys.path.remove(str(ROOT / "benchmarks" / "gpu"))
    assert "Nothing measured yet." in summary(tmp_path)
    page = summary(gpu_session_folder(tmp_path))
    rows = {tuple(cell.strip() for cell in line.strip("|").split("|")[:3]): line
            for line in page.splitlines() if line.startswith("| char")}
    # the recipe's precision marked (char LSTM: TF32; char Transformer: bf16 + TF32), a trainer
    # under 0.9x of its bare loop flagged, the compiled loop against the bare one
    assert "✓" in rows["char LSTM", "2048 × 1", "tf32 ✓"]
    assert "0.80 **below goal**" in rows["char LSTM", "2048 × 1", "tf32 ✓"]
    assert "below goal" not in rows["char LSTM", "2048 × 1", "fp32"]
    assert "3,720,000 (1.20×)" in rows["char Transformer", "512 × 1", "bf16+tf32 ✓"]
    assert "| cuda | 50 × 512 | chunked 23 | 1.50 | 3,000,000 | 490 |" in page
    # epochs: a run cut at its limit is a lower bound, the best epoch is the lowest val loss
    assert "| binary_ssm_w8_d1 | 12+ | 11 |" in page and "cut at the limit" in page
    assert "| binary_lstm_w8_d1 | 30 | 29 |" in page
    assert "| char_transformer_w128_d1 | 4 | 3 |" in page and "max epochs" in page
    assert "train_model  4  120.0" in page
    # the constants: text references at the recipe's precision only, the early-stopped epochs
    assert '("lstm", "char"): (2048, 1, 128 * 100, 1e6 / 1200000),  # tf32' in page
    assert '("transformer", "char"): (512, 1, 64 * 512, 1e6 / 3000000)' in page
    assert '("lstm", "binary"): (8, 1, 50 * 512, 1e6 / 500016)' in page
    assert ("scripts/epochs_to_stop.py --device 'GPU' stop/binary_lstm_w8_d1\n" in page)
    assert "Cut at the limit (at least this many epochs): {('ssm', 'binary'): 12}" in page


def test_bench_text_scale_times_trainer_and_bare_loop_in_steady_state(one_torch_thread):
    """The paper-scale benchmark's two timings on a tiny synthetic text (every precision's
    code path; the rates themselves are the machine's, not checked)."""
    import torch

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench_text_scale import PRECISIONS, Setting, bare_rate, trainer_rate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    text = np.arange(30_000) % 7
    for arch in ("lstm", "transformer"):  # stateful streams, shuffled windows
        setting = Setting("word", arch, 8, 1, (text, text[:10_000], 7), "fp32",
                          torch.device("cpu"), steps=3)
        assert setting.config.tf32 is False and setting.config.mixed_precision is False
        assert trainer_rate(setting, 1, 2) > 0 and bare_rate(setting, 1, 2) > 0
    assert PRECISIONS["bf16+tf32"] == (True, True)

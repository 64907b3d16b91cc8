"""The README's "Every step without Snakemake" runs as documented, and `python -m miscaling --help`
lists every subcommand.  The commands run in order, in a temporary folder, on smaller inputs
(sizes substituted below, every documented flag kept); the download uses the corpus mirror at
../shared/data and the steps that need it are skipped without it."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
MIRROR = ROOT.parent / "shared" / "data"
SECTION = "## Every step without Snakemake"

#: Sizes of the documented commands -> tiny ones (flag, value) -> value.  Flags and file names
#: stay as documented.
SMALLER = {
    ("--n-seq", "10000"): "60",
    ("--n-seq", "2000"): "20",
    ("--bootstrap", "200"): "10",
    ("--max-epochs", "20"): "2",
    ("--n-sequences", "2000"): "30",
}


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index(SECTION):]
    section = section[:section.index("\n## ", len(SECTION))]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.strip() for line in block.splitlines() if line.strip()]


def smaller(command: str) -> list[str]:
    words = shlex.split(command)
    for i in range(1, len(words)):
        words[i] = SMALLER.get((words[i - 1], words[i]), words[i])
    return words


def run(words: list[str], cwd: Path) -> subprocess.CompletedProcess:
    # `miscaling` is the package's console script, next to this interpreter; `python` is it too
    binary = Path(sys.executable).parent
    if words[0] == "python":
        words = [sys.executable, *words[1:]]
    elif words[0] == "miscaling":
        words = [str(binary / "miscaling"), *words[1:]]
    env = {**os.environ, "PATH": os.pathsep.join([str(binary), os.environ.get("PATH", "")])}
    return subprocess.run(words, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


def test_readme_lists_the_documented_commands():
    commands = readme_commands()
    assert commands[-1] == "python -m miscaling --help"
    steps = [shlex.split(c)[1] for c in commands[:-1]]
    assert {"synth", "mi", "fit", "uniformity", "download", "prepare", "train", "select",
            "sample", "model-summary", "figure", "theory"} <= set(steps)


@pytest.mark.slow  # 17 processes, each importing numpy/pandas (and torch): ~30-60 s
def test_every_step_without_snakemake_runs_as_documented(tmp_path):
    needs_mirror = {"download", "prepare", "control"}
    mirror = MIRROR.is_dir() and (MIRROR / "wikitext-2").is_dir()
    ran = []
    for command in readme_commands():
        words = smaller(command)
        if words[1] in needs_mirror:
            if not mirror:
                continue
            words = [str(MIRROR) if w == "/path/to/mirror" else w for w in words]
        result = run(words, tmp_path)
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        ran.append(words[1])

    # what the steps made, read back
    assert set(pd.read_csv(tmp_path / "fits.csv")["model"]) == {"exponential", "power",
                                                                "composite"}
    models = pd.read_csv(tmp_path / "models.csv")
    assert {"lstm", "data"} <= set(models["arch"])
    assert (tmp_path / "runs/lstm_w8_d1/selection.json").is_file()
    assert (tmp_path / "fig1.pdf").stat().st_size > 0
    assert set(pd.read_csv(tmp_path / "calibration.csv")["rule"]) >= {"decay_in_window",
                                                                       "ordered"}
    assert pd.read_csv(tmp_path / "k.csv")["passed"].all()
    if mirror:
        assert (tmp_path / "data/wikitext2_char/train.npy").is_file()
        assert (tmp_path / "chunk1.npy").is_file() and (tmp_path / "chunks.json").is_file()
    else:
        pytest.skip(f"ran every step but download/prepare: no corpus mirror at {MIRROR}")


def subcommands() -> dict[str, list[str]]:
    """{command: its own subcommands} as the parser defines them."""
    import argparse

    from miscaling.cli import build_parser

    def choices(parser):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                return action.choices
        return {}

    return {name: list(choices(sub)) for name, sub in choices(build_parser()).items()}


def test_help_lists_every_subcommand():
    commands = subcommands()
    assert {"synth", "download", "prepare", "mi", "fit", "uniformity", "train", "select",
            "sample", "model-summary", "theory", "figure"} <= set(commands)
    result = run(["python", "-m", "miscaling", "--help"], ROOT)
    assert result.returncode == 0, result.stderr
    for command in commands:
        assert re.search(rf"^\s+{re.escape(command)}\b", result.stdout, re.M), \
            (command, result.stdout)
    # ... and so does each command with steps (prepare, theory, figure, synth)
    for command, steps in commands.items():
        if not steps:
            continue
        result = run(["python", "-m", "miscaling", command, "--help"], ROOT)
        assert result.returncode == 0, (command, result.stderr)
        for step in steps:
            assert re.search(rf"^\s+{re.escape(step)}\b", result.stdout, re.M), \
                (command, step, result.stdout)

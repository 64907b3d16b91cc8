"""The names that identify a model, a sample set and a data set in paths and tables.

A model's name carries everything that defines it (``lstm_w8_d1``), one restart's samples add
``_seed<k>``; a family is ``binary`` or ``<corpus>_<level>``; the data sets a rule measures are
parsed into :class:`Dataset` records here, and nowhere else.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from miscaling.choices import ARCHS
from miscaling.data.registry import CORPORA

__all__ = [
    "MODEL", "RESTART", "TEXT_LEVELS", "TEXT_CORPORA", "Dataset", "cli_flags", "fmt_number",
    "model_name", "parse_dataset", "parse_model_name", "parse_sample_name",
]

#: A model's name, and the wildcard pattern of every path that holds one (lstm_w8_d1).
MODEL = "{arch}_w{width}_d{depth}"
#: The samples of one restart (lstm_w8_d1_seed1), beside the selected restart's (lstm_w8_d1).
RESTART = MODEL + "_seed{seed}"
#: Levels of the language models.
TEXT_LEVELS = ("char", "word")
#: Corpora of the registry that are samples of a model (one split, character level only).
SAMPLE_CORPORA = ("gpt2", "gpt2_117m")
#: Corpora with train/valid/test splits at both levels: the registry's, less the samples.
TEXT_CORPORA = tuple(name for name in CORPORA if name not in SAMPLE_CORPORA)


def fmt_number(value) -> str:
    """Canonical text of a number inside a path: 0.4 -> '0.4', 1.0 -> '1'."""
    return f"{float(value):g}"


def cli_flags(options: dict) -> str:
    """{'n_seq': 10, 'label': ['a=1']} -> '--n-seq 10 --label a=1'; None values left out.

    One ``params:`` string per rule: Snakemake compares params by value, so a changed value (or
    a new flag) reruns exactly the jobs it affects.
    """
    parts = []
    for key, value in options.items():
        if value is None:
            continue
        flag = "--" + key.replace("_", "-")
        for item in value if isinstance(value, (list, tuple)) else [value]:
            parts += [flag, shlex.quote(str(item))]
    return " ".join(parts)


def model_name(arch: str, width, depth) -> str:
    return MODEL.format(arch=arch, width=width, depth=depth)


_MODEL_PATTERN = re.compile(MODEL.format(arch=r"(\w+)", width=r"(\d+)", depth=r"(\d+)"))


def parse_model_name(name: str) -> tuple[str, int, int]:
    """'lstm_w8_d1' -> ('lstm', 8, 1): the inverse of :func:`model_name`."""
    match = _MODEL_PATTERN.fullmatch(name)
    if not match or match.group(1) not in ARCHS:
        raise ValueError(f"{name!r} is not a model name like 'lstm_w8_d1' (arch_w<width>_d<depth>"
                         f" with arch one of {', '.join(ARCHS)})")
    arch, width, depth = match.groups()
    return arch, int(width), int(depth)


def parse_sample_name(name: str) -> dict:
    """A sample set's labels: arch, width, depth, and restart for one restart's samples."""
    model, _, seed = name.partition("_seed")
    labels = dict(zip(("arch", "width", "depth"), parse_model_name(model)))
    return {**labels, "restart": int(seed)} if seed else labels


@dataclass(frozen=True)
class Dataset:
    """What a data-set folder under results/data holds.

    ``kind`` is one of binary, binary_samples, estimator_benchmark, corpus (a corpus at a level,
    its splits and training chunks), gpt2 (the GPT-2 samples), text_samples (a language model's
    samples, measured at character level) and text_reference (training text cut like them).
    """

    name: str
    kind: str
    corpus: str | None = None
    level: str | None = None

    @property
    def family(self) -> str | None:
        """The model family whose samples these are (text_samples), else None."""
        if self.kind == "binary_samples":
            return "binary"
        return f"{self.corpus}_{self.level}" if self.kind == "text_samples" else None

    @property
    def is_samples(self) -> bool:
        """Samples of a language model or their references: measured up to their length."""
        return self.kind in ("text_samples", "text_reference")


def parse_dataset(name: str) -> Dataset:
    """The :class:`Dataset` a data-set name denotes; ValueError for a name of no kind."""
    if name in ("binary", "binary_samples", "estimator_benchmark"):
        return Dataset(name, name)
    if name == "gpt2_char":
        return Dataset(name, "gpt2", "gpt2", "char")
    for corpus in TEXT_CORPORA:
        for level in TEXT_LEVELS:
            if name == f"{corpus}_{level}":
                return Dataset(name, "corpus", corpus, level)
            if name == f"{corpus}_{level}_samples":
                return Dataset(name, "text_samples", corpus, level)
        if name == f"{corpus}_char_reference":
            return Dataset(name, "text_reference", corpus, "char")
    raise ValueError(f"unknown data set {name!r}")

"""The pipeline's picture of itself: which models, sample sets, data sets and figures a
configuration makes, and the paths, labels and CLI flags of their jobs.

The rules hold only rule blocks; everything they compute about a job comes from :class:`Plan`
(``PLAN = Plan(config)`` in common.smk), which is plain, torch-free Python, unit-tested like
the rest of the package.  Methods that take ``wc`` accept Snakemake's wildcards or any object
with the same attributes.
"""

from __future__ import annotations

import math
import os
import shlex
from dataclasses import dataclass
from types import SimpleNamespace

from miscaling.controls import chunk_name
from miscaling.plan.figures import CLAIMS_TABLES, FIGURES, Figure
from miscaling.plan.names import (
    TEXT_LEVELS,
    cli_flags,
    fmt_number,
    model_name,
    parse_dataset,
    parse_sample_name,
)
from miscaling.recipes import DEPTH_SWEEP_WIDTHS, paper_config

__all__ = ["CORPUS_SPLITS", "CONTROL_TARGETS", "SAMPLE_MAX_LAG_FRACTION", "TEXT_LEVEL", "Model",
           "Plan", "SampleSet"]

CORPUS_SPLITS = ("train", "valid", "test")
#: Figure 6 and the data MI are measured at character level, as in the paper's Appendix D.2.
TEXT_LEVEL = "char"
#: The splits whose size the size-matched control's training chunks take.
CONTROL_TARGETS = ("valid", "test")
#: Sample sets are measured up to 98% of their longest sequence (``mi --max-lag-fraction``): a
#: Transformer's samples are context + 1 symbols and the paper's claims about them reach
#: tau ~ 500; every lag carries its own floor (docs/METHODS.md).
SAMPLE_MAX_LAG_FRACTION = 0.98


@dataclass(frozen=True, order=True)
class Model:
    """One model of a family: ``binary`` or ``<corpus>_<level>``."""

    family: str
    arch: str
    width: int
    depth: int

    @property
    def name(self) -> str:
        return model_name(self.arch, self.width, self.depth)

    @property
    def level(self) -> str:
        return "binary" if self.family == "binary" else self.family.rsplit("_", 1)[1]

    @property
    def corpus(self) -> str | None:
        return None if self.family == "binary" else self.family.rsplit("_", 1)[0]


@dataclass(frozen=True)
class SampleSet:
    """A language model's measured samples and the training text cut like them."""

    model: Model
    samples: tuple[str, str]  # (dataset, name)
    reference: tuple[str, str]

    def as_dict(self) -> dict:
        model = self.model
        return {"family": model.family, "corpus": model.corpus, "level": model.level,
                "arch": model.arch, "width": model.width, "depth": model.depth,
                "model": model.name, "samples": self.samples, "reference": self.reference}


def family_corpus(family: str) -> str:
    return family.rsplit("_", 1)[0]


def family_level(family: str) -> str:
    return family.rsplit("_", 1)[1]


class Plan:
    """What a (validated) configuration makes, under ``results``."""

    def __init__(self, config: dict, results: str = "results", report_dir: str = "workflow/report"):
        self.config = config
        self.results = results
        self.report_dir = report_dir  # the captions and texts the report reads

    # ------------------------------------------------------------------ paths and flags

    def log(self, rule: str, stem: str) -> str:
        return f"{self.results}/logs/{rule}/{stem}.log"

    def benchmark(self, rule: str, stem: str) -> str:
        return f"{self.results}/benchmarks/{rule}/{stem}.tsv"

    def mi_table(self, dataset: str, name: str) -> str:
        return f"{self.results}/mi/data/{dataset}/{name}.csv"

    def fit_table(self, dataset: str, name: str) -> str:
        return f"{self.results}/fits/data/{dataset}/{name}.csv"

    def figure_files(self, name: str, extensions=("pdf", "png", "csv")) -> list[str]:
        return [f"{self.results}/figures/{name}.{ext}" for ext in extensions]

    def estimator_flags(self, seed: int) -> dict:
        est = self.config["estimator"]
        keys = ("shuffles", "shuffle_scope", "within_shuffles", "bootstrap", "resampling",
                "confidence", "backend")
        return {"estimator": est["name"], **{key: est[key] for key in keys}, "seed": seed}

    def with_replicates(self) -> bool:
        """Fits get resampling intervals whenever the estimator makes replicate curves."""
        return self.config["estimator"]["bootstrap"] >= 2

    def benchmark_gammas(self) -> list[str]:
        return [fmt_number(g) for g in self.config["estimator_benchmark"]["gammas"]]

    def gamma_seed(self, gamma) -> int:
        """Independent, stable seed per gamma: adding or removing one changes no other job."""
        return self.config["seed"] + round(float(gamma) * 1000)

    # ------------------------------------------------------------------ data sets

    def mirror_flag(self, wc=None) -> str:
        mirror = self.config["corpora"]["mirror"]
        return f"--mirror {shlex.quote(str(mirror))}" if mirror else ""

    def corpus_manifest(self, wc) -> str:
        """The manifest of a verified corpus (text8: of its split)."""
        split = "/split" if wc.corpus == "text8" else ""
        return f"{self.results}/raw/{wc.corpus}{split}/manifest.json"

    def corpus_datasets(self) -> list[str]:
        """Character-level data sets of the configured corpora, e.g. 'wikitext2_char'."""
        return [f"{name}_{TEXT_LEVEL}" for name in self.config["corpora"]["names"]]

    def dataset_config(self, dataset: str) -> dict:
        """The config section with a data set's lags and fit settings."""
        kind = parse_dataset(dataset).kind
        if kind == "binary_samples":  # measured exactly like the data they imitate
            return self.config["binary"]
        if kind in ("corpus", "gpt2", "text_samples", "text_reference"):
            return self.config["corpora"]
        return self.config[dataset]

    def data_path(self, dataset: str, name: str) -> str:
        """The array a data set's I(tau) is measured on (ragged samples are .npz)."""
        parsed = parse_dataset(dataset)
        if parsed.kind == "text_reference":
            suffix = self.sample_suffix(name.split("_", 1)[0])
        elif parsed.kind == "text_samples":
            suffix = self.sample_suffix(parsed.level)
        else:
            suffix = "npz" if parsed.kind == "gpt2" else "npy"
        return f"{self.results}/data/{dataset}/{name}.{suffix}"

    @staticmethod
    def sample_suffix(level: str) -> str:
        """Char samples are [sequences, length] arrays; word samples become ragged characters."""
        return "npy" if level == "char" else "npz"

    def dataset_labels(self, wc) -> list[str]:
        """Constant columns that make a data set's tables tidy when concatenated."""
        dataset, name = wc.dataset, wc.name
        parsed = parse_dataset(dataset)
        if parsed.kind == "estimator_benchmark":
            gamma = name.removeprefix("gamma")
            amplitude = self.config["estimator_benchmark"]["amplitude"]
            return [f"gamma={gamma}", f"amplitude={amplitude}"]
        if parsed.kind == "binary_samples":
            return [f"{key}={value}" for key, value in parse_sample_name(name).items()]
        if parsed.kind == "text_reference":
            level, model = name.split("_", 1)
            return [f"corpus={parsed.corpus}", f"level={level}", *self._model_labels(model),
                    "reference=size_matched"]
        if parsed.kind == "text_samples":
            return [f"corpus={parsed.corpus}", f"level={parsed.level}", *self._model_labels(name)]
        if parsed.kind in ("corpus", "gpt2"):
            return [f"corpus={parsed.corpus}", f"level={parsed.level}", f"split={name}"]
        return [f"split={name}"]

    @staticmethod
    def _model_labels(name: str) -> list[str]:
        return [f"{key}={value}" for key, value in parse_sample_name(name).items()]

    def name_seed(self, wc) -> int:
        if wc.dataset == "estimator_benchmark":
            return self.gamma_seed(wc.name.removeprefix("gamma"))
        if wc.dataset == "binary":
            return self.config["seed"] + self.config["binary"]["split_seed_offset"][wc.name]
        return self.config["seed"]  # samples and corpora: the seed drives resampling only

    def mi_flags(self, wc) -> str:
        options = {"lags": self.dataset_config(wc.dataset)["lags"],
                   **self.estimator_flags(self.name_seed(wc))}
        if parse_dataset(wc.dataset).is_samples:
            options["max_lag_fraction"] = SAMPLE_MAX_LAG_FRACTION
        options["label"] = self.dataset_labels(wc)
        return cli_flags(options)

    def mi_outputs(self) -> dict:
        outputs = {"table": f"{self.results}/mi/data/{{dataset}}/{{name}}.csv"}
        if self.with_replicates():
            outputs["replicates"] = (
                f"{self.results}/mi/data/{{dataset}}/{{name}}_replicates.parquet")
        return outputs

    def fit_flags(self, wc) -> str:
        cfg = self.dataset_config(wc.dataset)["fit"]
        options = {
            "model": "all", "min_mi": cfg["min_mi"], "min_lag": cfg.get("min_lag"),
            "max_lag": cfg.get("max_lag"), "selection": cfg["selection"],
            "floor_sds": cfg.get("floor_sds"),
            # a curve that barely rises above the threshold is a finding, not a failure
            "too_few": "nan", "confidence": self.config["estimator"]["confidence"],
            "label": [label for label in self.dataset_labels(wc)
                      if not label.startswith("amplitude=")],
        }
        return cli_flags(options)

    def uniformity_flags(self, wc) -> str:
        window = self.config["corpora"]["long_range"]
        return cli_flags({"min_lag": window["min_lag"], "max_lag": window["max_lag"],
                          "confidence": self.config["estimator"]["confidence"],
                          "label": self.dataset_labels(wc)})

    # ------------------------------------------------------------------ synthetic data, theory

    def binary_split_flags(self, wc) -> str:
        cfg = self.config["binary"]
        return cli_flags({
            "n_seq": cfg["n_train"] if wc.split == "train" else cfg["n_valid"],
            "length": cfg["length"], "amplitude": cfg["amplitude"], "gamma": cfg["gamma"],
            "mode": cfg["mode"],
            "seed": self.config["seed"] + cfg["split_seed_offset"][wc.split],
        })

    def estimator_benchmark_flags(self, wc) -> str:
        cfg = self.config["estimator_benchmark"]
        return cli_flags({"n_seq": cfg["n_seq"], "length": cfg["length"],
                          "amplitude": cfg["amplitude"], "gamma": wc.gamma, "mode": cfg["mode"],
                          "seed": self.gamma_seed(wc.gamma)})

    def theory_flags(self, topic: str) -> str:
        """CLI flags of one theory topic; list values (p, beta) are one flag with several values.
        Keys are sorted, so key order in a config file is no change of a parameter."""
        options = dict(sorted(self.config["theory"][topic].items()))
        extra = []
        if topic == "linear_rnn" and not options.pop("memorising"):
            extra.append("--no-memorising")
        if topic == "repetitive":
            options["estimator"] = self.config["estimator"]["name"]
        for key in [k for k, v in options.items() if isinstance(v, list)]:
            values = " ".join(shlex.quote(str(v)) for v in options.pop(key))
            extra.append(f"--{key.replace('_', '-')} {values}")
        return " ".join([cli_flags({**options, "seed": self.config["seed"]}), *extra])

    # ------------------------------------------------------------------ model families

    @staticmethod
    def model_of(wc) -> Model:
        """The model of a job: its wildcards (``family`` is ``binary`` where paths have none)."""
        return Model(getattr(wc, "family", "binary"), wc.arch, int(wc.width), int(wc.depth))

    def text_models_enabled(self) -> bool:
        cfg = self.config["text_models"]
        return cfg["enabled"] and cfg["corpus"] in self.config["corpora"]["names"]

    def level_config(self, family: str) -> dict:
        return self.config["text_models"][family_level(family)]

    def family_architectures(self, family: str) -> dict:
        """{arch: its config section} of a family."""
        if family == "binary":
            return self.config["binary_models"]["architectures"]
        return self.level_config(family)["architectures"]

    def family_models(self, family: str) -> list[Model]:
        """Every configured model: the width sweep at depth 1 and the depth sweeps."""
        models = set()
        for arch, cfg in self.family_architectures(family).items():
            models |= {(arch, width, 1) for width in cfg["widths"]}
            models |= {(arch, width, depth)
                       for width in cfg["depth_sweep_widths"] for depth in cfg["depths"]}
        return [Model(family, *model) for model in sorted(models)]

    def text_families(self) -> list[str]:
        """Language-model families with at least one model, e.g. ['wikitext2_char', ...]."""
        if not self.text_models_enabled():
            return []
        corpus = self.config["text_models"]["corpus"]
        families = [f"{corpus}_{level}" for level in TEXT_LEVELS]
        return [family for family in families if self.family_models(family)]

    def setting(self, family: str, arch: str, key: str):
        """A text architecture's value of ``key``, else its level's (None: the recipe's)."""
        value = self.level_config(family)["architectures"][arch].get(key)
        return value if value is not None else self.level_config(family).get(key)

    def restarts(self, family: str, arch: str) -> int:
        """Training runs of every model of ``arch``: its own override, else the family's."""
        if family == "binary":
            cfg = self.config["binary_models"]
            return cfg["architectures"][arch]["restarts"] or cfg["restarts"]
        return self.setting(family, arch, "restarts") or self.config["text_models"]["restarts"]

    def bptt(self, family: str, arch: str) -> int:
        """Window length: truncated BPTT of an LSTM, the context of a Transformer."""
        return self.setting(family, arch, "bptt") or paper_config(arch, family_level(family)).bptt

    def batch_size(self, family: str, arch: str) -> int:
        if family == "binary":
            return self.family_architectures(family)[arch].get("batch_size") or TRAIN_BATCH
        return (self.setting(family, arch, "batch_size")
                or paper_config(arch, family_level(family)).batch_size)

    def step_symbols(self, model: Model) -> int:
        """Symbols of one optimizer step: batch x sequence length or window."""
        if model.family == "binary":
            return self.batch_size("binary", model.arch) * self.config["binary"]["length"]
        return self.batch_size(model.family, model.arch) * self.bptt(model.family, model.arch)

    def model_dir(self, model: Model) -> str:
        """A model's folder: its restarts' run folders and the selection."""
        return f"{self.results}/models/{model.family}/{model.name}"

    def run_dir(self, wc) -> str:
        return f"{self.model_dir(self.model_of(wc))}/seed{wc.seed}"

    def restart_results(self, wc) -> list[str]:
        model = self.model_of(wc)
        return [f"{self.model_dir(model)}/seed{seed}/result.json"
                for seed in range(self.restarts(model.family, model.arch))]

    def train_flags(self, wc) -> str:
        model = self.model_of(wc)
        family, arch = model.family, model.arch
        seed = self.config["seed"] + int(wc.seed)
        if family == "binary":
            cfg = self.config["binary_models"]
            arch_cfg = cfg["architectures"][arch]
            return cli_flags({
                "arch": arch, "width": wc.width, "depth": wc.depth, "data": "binary",
                "embedding_dim": arch_cfg["embedding_dim"] if arch != "transformer" else None,
                "heads": arch_cfg["heads"] if arch == "transformer" else None,
                "train_sequences": arch_cfg["train_sequences"] or cfg["train_sequences"],
                "max_epochs": arch_cfg["max_epochs"] or cfg["max_epochs"],
                "lr": arch_cfg["lr"], "batch_size": arch_cfg["batch_size"],
                "patience": cfg["patience"], "seed": seed,
            })
        arch_cfg = self.level_config(family)["architectures"][arch]
        flags = cli_flags({
            "arch": arch, "width": wc.width, "depth": wc.depth,
            # the paper's recipe of the level (Appendix E); the flags below override settings
            "data": model.level,
            "embedding_dim": arch_cfg["embedding_dim"] if arch != "transformer" else None,
            "heads": arch_cfg["heads"] if arch == "transformer" else None,
            "train_symbols": self.setting(family, arch, "train_symbols"),
            "valid_symbols": self.setting(family, arch, "valid_symbols"),
            "bptt": arch_cfg["bptt"],
            "max_epochs": self.setting(family, arch, "max_epochs"),
            "patience": self.setting(family, arch, "patience"),
            "lr": arch_cfg["lr"], "batch_size": arch_cfg["batch_size"],
            "dropout": arch_cfg["dropout"], "seed": seed,
        })
        return flags + (" --mixed-precision" if self.config["text_models"]["mixed_precision"]
                        else "")

    def restart_train_flags(self, wc) -> list[str]:
        """The training flags of every restart of a model: select_model's params, so that a
        model whose settings changed is selected again even when its retraining failed
        (Snakemake keeps an output whose input went missing; a changed param it reruns)."""
        model = self.model_of(wc)
        fields = {"family": model.family, "arch": wc.arch, "width": wc.width, "depth": wc.depth}
        return [self.train_flags(SimpleNamespace(**fields, seed=seed))
                for seed in range(self.restarts(model.family, model.arch))]

    def sample_shape(self, model: Model) -> tuple[int, int]:
        """(sequences, length) a model samples: binary n_samples x the data's length; a
        language model about sample_symbols in all: an LSTM sample_streams streams from the zero
        state, a Transformer independent sequences of context + 1 symbols (its longest)."""
        if model.family == "binary":
            return self.config["binary_models"]["n_samples"], self.config["binary"]["length"]
        level = self.level_config(model.family)
        total = level["sample_symbols"]
        if model.arch == "transformer":
            length = self.bptt(model.family, model.arch) + 1
            return math.ceil(total / length), length
        streams = level["sample_streams"]
        return streams, math.ceil(total / streams)

    def job_sample_shape(self, wc) -> tuple[int, int]:
        return self.sample_shape(self.model_of(wc))

    def seed_spread_enabled(self, family: str) -> bool:
        section = "binary_models" if family == "binary" else "text_models"
        return self.config[section]["seed_spread"]

    def restart_sample_names(self, family: str) -> list[str]:
        """Every restart's sample set where the family measures the spread between training
        seeds (seed_spread) and a model has two or more restarts: lstm_w8_d1_seed0, ..."""
        if not self.seed_spread_enabled(family):
            return []
        names = []
        for model in self.family_models(family):
            restarts = self.restarts(family, model.arch)
            if restarts >= 2:
                names += [f"{model.name}_seed{seed}" for seed in range(restarts)]
        return names

    def restart_fits(self, family: str) -> list[str]:
        """The fit tables of every restart's samples of a family (none without seed_spread)."""
        return [self.fit_table(self.sample_dataset(family), name)
                for name in self.restart_sample_names(family)]

    # ------------------------------------------------------------------ sample sets

    @staticmethod
    def sample_dataset(family: str) -> str:
        """The data set of a family's samples as measured (character level)."""
        return f"{family}_samples"

    def sample_sets(self, level: str | None = None, arch: str | None = None) -> list[SampleSet]:
        """Every language model's measured sample set and its size-matched reference."""
        sets = []
        for family in self.text_families():
            if level not in (None, family_level(family)):
                continue
            for model in self.family_models(family):
                if arch not in (None, model.arch):
                    continue
                reference = (f"{model.corpus}_char_reference", f"{model.level}_{model.name}")
                sets.append(SampleSet(model, (self.sample_dataset(family), model.name),
                                      reference))
        return sets

    def binary_model_names(self) -> list[str]:
        return [model.name for model in self.family_models("binary")]

    def binary_archs(self) -> set[str]:
        return {model.arch for model in self.family_models("binary")}

    def reference_samples(self, wc) -> str:
        """The sample set a size-matched reference is cut like."""
        family = f"{wc.corpus}_{wc.level}"
        return self.data_path(self.sample_dataset(family),
                              model_name(wc.arch, wc.width, wc.depth))

    def excerpt_inputs(self, wc=None) -> dict:
        """Every language model's samples as it produced them, with their vocabulary."""
        sets = self.sample_sets()
        return {
            "samples": [f"{self.results}/data/{s.samples[0]}/{s.model.name}.npy" for s in sets],
            "vocabs": [f"{self.results}/data/{s.model.family}/vocab.json" for s in sets],
        }

    def excerpt_names(self) -> str:
        names = [f"{s.model.family}/{s.model.name}" for s in self.sample_sets()]
        return cli_flags({"names": names})

    # ------------------------------------------------------------------ size-matched control

    def chunk_names(self, target: str) -> list[str]:
        return [chunk_name(target, index)
                for index in range(self.config["corpora"]["size_matched_chunks"])]

    def size_matched_inputs(self, wc=None) -> dict:
        """Every corpus's validation and test splits, their chunks and, for reference, the
        whole training split: I(tau) tables, uniformity tables, chunk manifests."""
        curves, uniformity, manifests = [], [], []
        for dataset in self.corpus_datasets():
            curves.append(self.mi_table(dataset, "train"))
            for target in CONTROL_TARGETS:
                manifests.append(f"{self.results}/data/{dataset}/train_chunks_{target}.json")
                for name in [target, *self.chunk_names(target)]:
                    curves.append(self.mi_table(dataset, name))
                    uniformity.append(f"{self.results}/uniformity/data/{dataset}/{name}.csv")
        return {"curves": curves, "uniformity": uniformity, "manifests": manifests}

    # ------------------------------------------------------------------ figures

    def figures(self) -> list[Figure]:
        """The registered figures this configuration makes, in the registry's order."""
        corpora = bool(self.config["corpora"]["names"])
        binary_archs = self.binary_archs()
        text_archs = {s.model.arch for s in self.sample_sets()}
        made = {
            "always": lambda figure: True,
            "corpora": lambda figure: corpora,
            "control": lambda figure: corpora and self.config["corpora"]["size_matched_chunks"] > 0,
            "binary": lambda figure: bool(binary_archs & set(figure.archs)),
            "text": lambda figure: bool(text_archs & set(figure.archs)),
        }
        return [figure for figure in FIGURES if made[figure.made_for](figure)]

    def figure_names(self, made_for: str) -> list[str]:
        return [figure.name for figure in self.figures() if figure.made_for == made_for]

    def corpus_curves(self, wc=None) -> list[str]:
        return [self.mi_table(d, s) for d in self.corpus_datasets() for s in CORPUS_SPLITS]

    def corpus_uniformity(self, wc=None) -> list[str]:
        return [f"{self.results}/uniformity/data/{d}/{s}.csv"
                for d in self.corpus_datasets() for s in CORPUS_SPLITS]

    def benchmark_tables(self, kind: str) -> list[str]:
        table = self.mi_table if kind == "mi" else self.fit_table
        return [table("estimator_benchmark", f"gamma{g}") for g in self.benchmark_gammas()]

    def binary_model_inputs(self, wc=None) -> dict:
        names = self.binary_model_names()
        return {
            "curves": [self.mi_table("binary_samples", n) for n in names],
            "fits": [self.fit_table("binary_samples", n) for n in names],
            "reference": self.fit_table("binary", "train"),
            "data_curve": self.mi_table("binary", "train"),
        }

    def text_data_curves(self) -> dict:
        corpus = self.config["text_models"]["corpus"]
        return {"curve": self.mi_table(f"{corpus}_char", "train"),
                "fit": self.fit_table(f"{corpus}_char", "train")}

    def gpt2_curves(self) -> list[str]:
        return [self.mi_table("gpt2_char", "samples")] if self.config["corpora"]["gpt2"] else []

    def depth_sweep_width(self, level: str, arch: str) -> int:
        """The width of a level's depth sweep (Figs 8(b), 10(b)): its first configured, else
        the paper's."""
        cfg = self.config["text_models"][level]["architectures"].get(arch) or {}
        widths = cfg.get("depth_sweep_widths") or []
        return widths[0] if widths else DEPTH_SWEEP_WIDTHS[level]

    def _figure_arch(self, name: str) -> str:
        return next(figure.archs[0] for figure in FIGURES if figure.name == name)

    def text_figure_inputs(self, wc) -> dict:
        sets = self.sample_sets(arch=self._figure_arch(wc.figure))
        if wc.figure in ("fig8", "fig10"):
            return {"fits": [self.fit_table(*s.samples) for s in sets],
                    "curves": [self.mi_table(*s.samples) for s in sets],
                    "reference": self.text_data_curves()["fit"]}
        inputs = {"curves": [self.mi_table(*s.samples) for s in sets],
                  "references": [self.mi_table(*s.reference) for s in sets],
                  "data": self.text_data_curves()["curve"]}
        if wc.figure == "fig3_text":
            inputs["gpt2"] = self.gpt2_curves()
        return inputs

    def text_figure_flags(self, wc, input) -> str:
        if wc.figure in ("fig8", "fig10"):
            arch = self._figure_arch(wc.figure)
            return cli_flags({"fits": list(input.fits), "curves": list(input.curves),
                              "reference": input.reference,
                              "char_width": self.depth_sweep_width("char", arch),
                              "word_width": self.depth_sweep_width("word", arch)})
        options = {"curves": list(input.curves), "references": list(input.references),
                   "data_curve": input.data}
        if wc.figure == "fig3_text":
            options["gpt2"] = list(input.gpt2) or None
        return cli_flags(options)

    # ------------------------------------------------------------------ summaries

    def text_summary_inputs(self, wc=None) -> dict:
        sets = self.sample_sets()
        data = self.text_data_curves()
        selection = [(s.model.level, f"{self.model_dir(s.model)}/selection.json") for s in sets]
        inputs = {
            "fits": [self.fit_table(*s.samples) for s in sets],
            "curves": [self.mi_table(*s.samples) for s in sets],
            "reference": data["fit"],
            "reference_curve": data["curve"],
            "size_matched_curves": [self.mi_table(*s.reference) for s in sets],
            "size_matched_fits": [self.fit_table(*s.reference) for s in sets],
            "char_training": [path for level, path in selection if level == "char"],
            "word_training": [path for level, path in selection if level == "word"],
            "restart_fits": [fit for family in self.text_families()
                             for fit in self.restart_fits(family)],
            # the binary models' measured seed spread stands in for a level without its own
            "binary_models": f"{self.results}/figures/binary_models.csv",
        }
        if self.config["corpora"]["gpt2"]:
            inputs["gpt2_fits"] = self.fit_table("gpt2_char", "samples")
            inputs["gpt2_curve"] = self.gpt2_curves()[0]
        return inputs

    def text_summary_flags(self, wc, input) -> str:
        options = {key: value if isinstance(value, str) else list(value)
                   for key, value in input.items()}
        options["char_width"] = self.depth_sweep_width("char", "lstm")
        options["word_width"] = self.depth_sweep_width("word", "lstm")
        return cli_flags({key: value or None for key, value in options.items()})

    # ------------------------------------------------------------------ targets and report

    def targets(self) -> list[str]:
        """Every output of a run, in the order the default target lists them; report last."""
        config, results = self.config, self.results
        targets = [self.fit_table("binary", split) for split in ("train", "valid")]
        targets += self.figure_files("fig5")
        if config["corpora"]["names"]:
            targets += self.figure_files("fig6")
            targets += [self.fit_table(dataset, split) for dataset in self.corpus_datasets()
                        for split in CORPUS_SPLITS]
            if config["corpora"]["size_matched_chunks"]:
                targets += self.figure_files("size_matched_control")
        targets += [self.fit_table("binary_samples", n) for n in self.binary_model_names()]
        targets += [path for name in self.figure_names("binary")
                    for path in self.figure_files(name)]
        if self.binary_archs():
            targets += [f"{results}/figures/binary_{table}.csv" for table in ("models", "trends")]
        targets += [f"{results}/figures/{name}.{ext}" for ext in ("pdf", "png")
                    for name in ("fig4", "theory_linear_rnn", "theory_ising")]
        if config["corpora"]["gpt2"]:
            targets.append(self.fit_table("gpt2_char", "samples"))
        sets = self.sample_sets()
        targets += [self.fit_table(*pair) for s in sets for pair in (s.samples, s.reference)]
        if sets:
            targets.append(f"{results}/figures/appendix_f.txt")
            targets += [f"{results}/figures/text_{table}.csv" for table in ("models", "trends")]
            targets += [path for name in self.figure_names("text")
                        for path in self.figure_files(name)]
        return targets + self.report_targets()

    def report_targets(self) -> list[str]:
        return [f"{self.results}/claims.csv", f"{self.results}/report.html"]

    def calibration_table(self) -> str:
        return f"{self.results}/calibration.csv"

    def calibration_curves(self, wc=None) -> list[str]:
        """The sample I(tau) tables the decision rules are calibrated at: the first model of
        each architecture of each family this run measures (their lags and noise)."""
        curves = self.binary_model_inputs()["curves"] if self.binary_archs() else []
        if self.sample_sets():
            curves += self.text_summary_inputs()["curves"]
        first = {}
        for path in curves:
            folder, file = os.path.split(path)
            stem = os.path.splitext(file)[0]
            first.setdefault((os.path.basename(folder), stem.split("_")[0]), path)
        return sorted(first.values())

    def report_inputs(self, wc=None) -> dict:
        run = [target for target in self.targets() if target not in self.report_targets()]
        inputs = {
            "figures": [target for target in run if target.endswith(".png")],
            "run": [target for target in run if not target.endswith(".png")],
            "captions": sorted(os.path.join(self.report_dir, name)
                               for name in os.listdir(self.report_dir) if name.endswith(".rst")),
            "formulas": os.path.join(self.report_dir, "formula_differences.md"),
            "calibration": self.calibration_table(),
        }
        for claims in CLAIMS_TABLES:
            if f"{self.results}/{claims.made_with}" in run:
                inputs[f"claims_{claims.source}"] = f"{self.results}/{claims.table}"
        if f"{self.results}/figures/fig6.pdf" in run:
            inputs["uniformity"] = f"{self.results}/figures/fig6_uniformity.csv"
        if f"{self.results}/figures/appendix_f.txt" in run:
            inputs["appendix_f"] = f"{self.results}/figures/appendix_f.txt"
        return inputs

    def report_flags(self, wc, input) -> str:
        return cli_flags({
            "claims_table": [f"{claims.source}={input[f'claims_{claims.source}']}"
                             for claims in CLAIMS_TABLES
                             if f"claims_{claims.source}" in input.keys()],
            "figures": list(input.figures),
            "uniformity": input.get("uniformity"),
            "appendix_f": input.get("appendix_f"),
            "formula_differences": input.formulas,
            "calibration": input.calibration,
            "captions": self.report_dir,
        })

    def caption_config(self) -> dict:
        """The config values the captions read (models.rst is a template): only these, so
        that no other key reruns the report."""
        return {"binary_models": {"n_samples": self.config["binary_models"]["n_samples"]},
                "binary": {"fit": {"min_mi": self.config["binary"]["fit"]["min_mi"]}}}


#: The paper's batch size on binary data, unless the config sets batch_size.
TRAIN_BATCH = 50

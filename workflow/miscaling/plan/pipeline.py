"""The pipeline's picture of itself: which models, sample sets and data sets a configuration
makes, and the paths, labels and CLI flags of their jobs (:mod:`.outputs` adds the figures,
summaries, targets and report).

Methods that take ``wc`` accept Snakemake's wildcards or any object with the same attributes.
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass
from types import SimpleNamespace

from miscaling.plan.names import (
    TEXT_LEVELS,
    cli_flags,
    fmt_number,
    model_name,
    parse_dataset,
    parse_sample_name,
)
from miscaling.recipes import paper_config

__all__ = ["CORPUS_SPLITS", "CONTROL_TARGETS", "SAMPLE_MAX_LAG_FRACTION", "TEXT_LEVEL", "Jobs",
           "Model", "SampleSet"]

CORPUS_SPLITS = ("train", "valid", "test")
#: Figure 6 and the data MI are measured at character level, as in the paper's Appendix D.2.
TEXT_LEVEL = "char"
#: The splits whose size the size-matched control's training chunks take.
CONTROL_TARGETS = ("valid", "test")
#: The architectures with an embedding of their own size (the Transformer and the SSM embed in
#: their width).
RECURRENT = ("rnn", "lstm")
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
        return family_level(self.family)

    @property
    def corpus(self) -> str | None:
        return None if self.family == "binary" else self.family.rsplit("_", 1)[0]


@dataclass(frozen=True)
class SampleSet:
    """A language model's measured samples and the training text cut like them."""

    model: Model
    samples: tuple[str, str]  # (dataset, name)
    reference: tuple[str, str]


def family_corpus(family: str) -> str:
    return family.rsplit("_", 1)[0]


def family_level(family: str) -> str:
    """binary, char or word: the level of a family ("binary", "<corpus>_<level>")."""
    return "binary" if family == "binary" else family.rsplit("_", 1)[1]


class Jobs:
    """What a (validated) configuration makes, under ``results``: data sets, models, sample
    sets, and the paths and flags of their jobs (:class:`Plan` adds the outputs)."""

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
                "embedding_dim": arch_cfg["embedding_dim"] if arch in RECURRENT else None,
                "heads": arch_cfg["heads"] if arch == "transformer" else None,
                "train_sequences": arch_cfg["train_sequences"] or cfg["train_sequences"],
                "max_epochs": arch_cfg["max_epochs"] or cfg["max_epochs"],
                "lr": arch_cfg["lr"], "batch_size": arch_cfg["batch_size"],
                "patience": cfg["patience"], "seed": seed,
            }) + self.numerics_flags(family)
        arch_cfg = self.level_config(family)["architectures"][arch]
        flags = cli_flags({
            "arch": arch, "width": wc.width, "depth": wc.depth,
            # the paper's recipe of the level (Appendix E); the flags below override settings
            "data": model.level,
            "embedding_dim": arch_cfg.get("embedding_dim") if arch in RECURRENT else None,
            "heads": arch_cfg.get("heads") if arch == "transformer" else None,
            "train_symbols": self.setting(family, arch, "train_symbols"),
            "valid_symbols": self.setting(family, arch, "valid_symbols"),
            "bptt": arch_cfg["bptt"],
            "max_epochs": self.setting(family, arch, "max_epochs"),
            "patience": self.setting(family, arch, "patience"),
            "lr": arch_cfg["lr"], "batch_size": arch_cfg["batch_size"],
            "dropout": arch_cfg["dropout"], "seed": seed,
        })
        return flags + self.numerics_flags(family)

    def numerics_flags(self, family: str) -> str:
        """TF32 and bf16 switches on CUDA: flags only where the config departs from the
        recipe's choice (``tf32: true``, ``mixed_precision: auto``), so commands stay as they
        were."""
        flags = "" if self.config.get("tf32", True) else " --no-tf32"
        if family != "binary":
            mixed = self.config["text_models"].get("mixed_precision", "auto")
            if mixed != "auto":
                flags += " --mixed-precision" if mixed else " --no-mixed-precision"
        return flags

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


#: The paper's batch size on binary data, unless the config sets batch_size.
TRAIN_BATCH = 50

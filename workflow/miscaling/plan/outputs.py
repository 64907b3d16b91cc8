"""What a configuration's run produces: the size-matched control's inputs, the figures, the
summaries, the targets and the report, on top of :class:`~miscaling.plan.pipeline.Jobs`.
"""

from __future__ import annotations

import os

from miscaling.controls import chunk_name
from miscaling.plan.bipartite import BipartiteJobs
from miscaling.plan.figures import CLAIMS_TABLES, FIGURES, Figure, figure
from miscaling.plan.names import cli_flags
from miscaling.plan.pipeline import CONTROL_TARGETS, CORPUS_SPLITS
from miscaling.recipes import DEPTH_SWEEP_WIDTHS

__all__ = ["Plan"]


class Plan(BipartiteJobs):
    """What a (validated) configuration makes, under ``results``: :class:`Jobs` (with the
    bipartite jobs) and its outputs.  ``PLAN = Plan(config)`` in common.smk is what every
    rule reads."""

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
            "bipartite": lambda figure: bool(self.bipartite_jobs()),
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

    def text_figure_inputs(self, wc) -> dict:
        sets = self.sample_sets(arch=figure(wc.figure).archs[0])
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
            arch = figure(wc.figure).archs[0]
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
        for name in self.figure_names("bipartite"):
            targets += self.figure_files(name)
            targets += [f"{results}/figures/{name}_{table}.csv" for table in ("growth", "trends")]
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

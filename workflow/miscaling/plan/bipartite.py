"""The bipartite-MI jobs of a configuration (config ``bipartite``, docs/METHODS.md §10): every
trained model scored on its own samples, and each family's held-out data scored by the best
model of each architecture; their paths, inputs and flags, and the summary's inputs."""

from __future__ import annotations

from miscaling.plan.names import cli_flags
from miscaling.plan.pipeline import Jobs, family_level

__all__ = ["BIPARTITE_BATCH", "BipartiteJobs", "DATA_SPLIT"]

#: Sequences per forward pass: the double-precision log-softmax holds batch x L x vocabulary
#: numbers (word level: 33,278 words).
BIPARTITE_BATCH = {"binary": 256, "char": 64, "word": 4}
#: The held-out split a family's data are scored on (binary: its validation set; text: test).
DATA_SPLIT = {"binary": "valid", "text": "test"}


class BipartiteJobs(Jobs):
    """:class:`Jobs` and the bipartite jobs."""

    def bipartite_enabled(self) -> bool:
        return self.config["bipartite"]["enabled"]

    def bipartite_families(self) -> list[str]:
        """Families whose models are scored: binary (with models) and the language models'."""
        if not self.bipartite_enabled():
            return []
        binary = ["binary"] if self.family_models("binary") else []
        return binary + self.text_families()

    def bipartite_table(self, family: str, source: str, name: str, suffix: str = "") -> str:
        return f"{self.results}/bipartite/{family}/{source}/{name}{suffix}.csv"

    def bipartite_jobs(self) -> list[tuple[str, str, str]]:
        """(family, source, name) of every bipartite table: each model's samples (name: the
        model) and the data scored by the best of each architecture (name: best_<arch>)."""
        jobs = []
        for family in self.bipartite_families():
            models = self.family_models(family)
            jobs += [(family, "samples", model.name) for model in models]
            jobs += [(family, "data", f"best_{arch}")
                     for arch in sorted({model.arch for model in models})]
        return jobs

    def bipartite_summary_inputs(self, wc=None) -> dict:
        jobs = self.bipartite_jobs()
        return {"tables": [self.bipartite_table(*job) for job in jobs],
                "positions": [self.bipartite_table(*job, "_positions") for job in jobs]}

    def _family_data(self, family: str) -> str:
        return f"{self.results}/data/{family}"

    def bipartite_sample_inputs(self, wc) -> dict:
        model = self.model_of(wc)
        return {"model": f"{self.model_dir(model)}/selection.json",
                "sequences": f"{self._family_data(wc.family)}_samples/{model.name}.npy",
                "first": f"{self._family_data(wc.family)}/train.npy"}

    def bipartite_data_inputs(self, wc) -> dict:
        split = DATA_SPLIT["binary" if wc.family == "binary" else "text"]
        models = [model for model in self.family_models(wc.family) if model.arch == wc.arch]
        return {"model": [f"{self.model_dir(model)}/selection.json" for model in models],
                "sequences": f"{self._family_data(wc.family)}/{split}.npy",
                "first": f"{self._family_data(wc.family)}/train.npy"}

    def bipartite_flags(self, wc, source: str) -> str:
        cfg = self.config["bipartite"]
        level = family_level(wc.family)
        level_cfg = cfg[level]
        return cli_flags({
            "block_lengths": level_cfg["block_lengths"], "ratio": cfg["ratios"],
            "pairs": cfg["pairs"], "max_sequences": level_cfg["sequences"],
            "batch_size": BIPARTITE_BATCH[level], "confidence":
                self.config["estimator"]["confidence"], "seed": self.config["seed"],
            "label": [f"level={level}", f"family={wc.family}", f"source={source}"],
        }) + " --cut-rows"

    def bipartite_summary_flags(self, wc, input) -> str:
        return cli_flags({"tables": list(input.tables), "positions": list(input.positions),
                          "margin": self.config["bipartite"]["slope_margin"]})

# Helpers shared by all rules: config validation, the CLI command, path and parameter helpers.

import os
import shlex
import sys

from snakemake.utils import validate


validate(config, "../schemas/config.schema.yaml")

# Rules call the library's CLI with the interpreter that runs Snakemake; putting workflow/ on
# PYTHONPATH makes a plain checkout work even when the package is not pip-installed.
_PACKAGE_ROOT = os.path.join(workflow.basedir, "workflow")
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH", "")) if p
)
MISCALING = f"{shlex.quote(sys.executable)} -m miscaling"

RESULTS = "results"


def fmt_number(value):
    """Canonical text of a number inside a path: 0.4 -> '0.4', 1.0 -> '1'."""
    return f"{float(value):g}"


def cli_flags(options):
    """{'n_seq': 10, 'mode': 'exact', 'label': ['gamma=0.4']} -> '--n-seq 10 --mode exact --label gamma=0.4'.

    Used as one `params:` string per rule: Snakemake compares params by value, so any change of
    a value (or a new flag) reruns exactly the jobs it affects.  None values are left out.
    """
    parts = []
    for key, value in options.items():
        if value is None:
            continue
        flag = "--" + key.replace("_", "-")
        for item in value if isinstance(value, (list, tuple)) else [value]:
            parts += [flag, shlex.quote(str(item))]
    return " ".join(parts)


def estimator_flags(seed):
    est = config["estimator"]
    return {
        "estimator": est["name"],
        "shuffles": est["shuffles"],
        "shuffle_scope": est["shuffle_scope"],
        "bootstrap": est["bootstrap"],
        "resampling": est["resampling"],
        "confidence": est["confidence"],
        "backend": est["backend"],
        "seed": seed,
    }


def with_replicates():
    """Fits get resampling intervals whenever the estimator makes replicate curves."""
    return config["estimator"]["bootstrap"] >= 2


def benchmark_gammas():
    return [fmt_number(g) for g in config["estimator_benchmark"]["gammas"]]


def gamma_seed(gamma):
    """Independent, stable seed per gamma: adding or removing a gamma changes no other job."""
    return config["seed"] + round(float(gamma) * 1000)


def log_path(rule_name, stem):
    return f"{RESULTS}/logs/{rule_name}/{stem}.log"


def benchmark_path(rule_name, stem):
    return f"{RESULTS}/benchmarks/{rule_name}/{stem}.tsv"


def all_targets():
    targets = [
        f"{RESULTS}/fits/data/binary/{split}.csv" for split in ("train", "valid")
    ]
    targets += [f"{RESULTS}/figures/fig5.{ext}" for ext in ("pdf", "png", "csv")]
    return targets

# Helpers shared by all rules: config validation, the CLI command, path and parameter helpers.

import os
import re
import shlex
import sys

# Rules call the library's CLI with the interpreter that runs Snakemake; putting workflow/ on
# PYTHONPATH makes a plain checkout work even when the package is not pip-installed.  The
# workflow itself imports from it too (lag specs, the config checks).
_PACKAGE_ROOT = os.path.join(workflow.basedir, "workflow")
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH", "")) if p
)
if _PACKAGE_ROOT not in sys.path:
    sys.path.insert(0, _PACKAGE_ROOT)


include: "validation.smk"


check_config(config, os.path.join(workflow.basedir, "workflow/schemas/config.schema.yaml"))

MISCALING = f"{shlex.quote(sys.executable)} -m miscaling"

RESULTS = "results"
CORPUS_SPLITS = ("train", "valid", "test")
#: Figure 6 and the data MI are measured at character level, as in the paper's Appendix D.2.
TEXT_LEVEL = "char"


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
        "within_shuffles": est["within_shuffles"],
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


def corpus_datasets():
    """Character-level data sets of the configured corpora, e.g. 'wikitext2_char'."""
    return [f"{name}_{TEXT_LEVEL}" for name in config["corpora"]["names"]]


def is_text_dataset(dataset):
    return dataset.endswith(("_char", "_word"))


def dataset_config(dataset):
    """The config section with a data set's lags and fit settings."""
    if dataset == "binary_samples":  # samples are measured exactly like the data they imitate
        return config["binary"]
    if is_text_dataset(dataset) or is_text_sample_dataset(dataset):
        return config["corpora"]
    return config[dataset]


def data_path(dataset, name):
    """The array a data set's I(tau) is measured on (ragged samples are .npz)."""
    if is_text_sample_dataset(dataset):
        return text_data_path(dataset, name)
    suffix = "npz" if dataset == "gpt2_char" else "npy"
    return f"{RESULTS}/data/{dataset}/{name}.{suffix}"


def log_path(rule_name, stem):
    return f"{RESULTS}/logs/{rule_name}/{stem}.log"


def benchmark_path(rule_name, stem):
    return f"{RESULTS}/benchmarks/{rule_name}/{stem}.tsv"


def all_targets():
    targets = [f"{RESULTS}/fits/data/binary/{split}.csv" for split in ("train", "valid")]
    targets += [f"{RESULTS}/figures/fig5.{ext}" for ext in ("pdf", "png", "csv")]
    if config["corpora"]["names"]:
        targets += [f"{RESULTS}/figures/fig6.{ext}" for ext in ("pdf", "png", "csv")]
        targets += [
            f"{RESULTS}/fits/data/{dataset}/{split}.csv"
            for dataset in corpus_datasets()
            for split in CORPUS_SPLITS
        ]
        targets += size_matched_control_targets()  # controls.smk: the splits among train chunks
    targets += [f"{RESULTS}/fits/data/binary_samples/{name}.csv" for name in binary_model_names()]
    archs = {arch for arch, _, _ in binary_models()}
    wanted = {
        "fig1": {"rnn", "lstm"} & archs,
        "fig3": {"transformer"} & archs,
        "fig7": {"lstm"} & archs,
        "fig9": {"transformer"} & archs,
    }
    targets += [
        f"{RESULTS}/figures/{fig}.{ext}"
        for fig, present in wanted.items()
        if present
        for ext in ("pdf", "png", "csv")
    ]
    if archs:
        targets += [f"{RESULTS}/figures/binary_{table}.csv" for table in ("models", "trends")]
    targets += [
        f"{RESULTS}/figures/{name}.{ext}"
        for ext in ("pdf", "png")
        for name in ("fig4", "theory_linear_rnn", "theory_ising")
    ]
    if config["corpora"]["gpt2"]:
        targets.append(f"{RESULTS}/fits/data/gpt2_char/samples.csv")
    # the language models: every sample set and its size-matched reference, fitted; Appendix F
    text_sets = text_sample_sets()
    targets += [fit_table(*entry[key]) for entry in text_sets for key in ("samples", "reference")]
    if text_sets:
        targets.append(f"{RESULTS}/figures/appendix_f.txt")
        targets += [f"{RESULTS}/figures/text_{table}.csv" for table in ("models", "trends")]
        targets += [
            f"{RESULTS}/figures/{figure}.{ext}"
            for figure in text_figures()
            for ext in ("pdf", "png", "csv")
        ]
    targets += report_targets()  # report.smk: the claims table and the HTML report, last
    return targets

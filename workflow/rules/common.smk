# What every rule shares: the configuration's checks, the plan of the run (miscaling.plan: the
# models, sample sets, data sets, figures, paths, flags and resources of every job), and the CLI.

import os
import shlex
import sys

# Rules call the library's CLI with the interpreter that runs Snakemake; putting workflow/ on
# PYTHONPATH makes a plain checkout work even when the package is not pip-installed.
_PACKAGE_ROOT = os.path.join(workflow.basedir, "workflow")
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (_PACKAGE_ROOT, os.environ.get("PYTHONPATH", "")) if p
)
if _PACKAGE_ROOT not in sys.path:
    sys.path.insert(0, _PACKAGE_ROOT)

from miscaling.choices import ARCHS
from miscaling.plan import FIGURES, MODEL, RESTART, Plan, cli_flags
from miscaling.plan.checks import config_problems
from miscaling.plan.names import TEXT_CORPORA
from miscaling.plan.pipeline import CONTROL_TARGETS, CORPUS_SPLITS, TEXT_LEVEL
from miscaling.plan import resources as job_resources
from snakemake.exceptions import WorkflowError

_problems = config_problems(
    config,
    os.path.join(workflow.basedir, "workflow/schemas/config.schema.yaml"),
    workflow.configfiles,
    workflow.config_settings.config,
)
if _problems:
    raise WorkflowError("\n".join(_problems))

MISCALING = f"{shlex.quote(sys.executable)} -m miscaling"
RESULTS = "results"
PLAN = Plan(config, RESULTS, os.path.join(workflow.basedir, "workflow/report"))
# (not imported by name: Snakemake's own namespace has a class Resources)
RESOURCES = job_resources.Resources(PLAN)
CHEAP_FIRST_PRIORITY = job_resources.CHEAP_FIRST_PRIORITY
#: Alternatives of the corpus wildcards, from the corpus registry.
CORPORA = "|".join(TEXT_CORPORA)


def log_path(rule_name, stem):
    return PLAN.log(rule_name, stem)


def benchmark_path(rule_name, stem):
    return PLAN.benchmark(rule_name, stem)

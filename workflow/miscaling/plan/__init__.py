"""The pipeline's plan of itself, torch-free: names (:mod:`.names`), the figures
(:mod:`.figures`), what a configuration makes (:mod:`.pipeline`, :mod:`.outputs`), what each
job costs (:mod:`.resources`), the configuration's checks (:mod:`.checks`) and the paper's
claims (:data:`CLAIMS`, with the tables that decide them: :data:`CLAIMS_TABLES`).  The rules hold
only rule blocks and read all of it through ``PLAN = Plan(config)`` (common.smk)."""

from miscaling.paper_claims import CLAIMS
from miscaling.plan.figures import CLAIMS_TABLES, FIGURES, SECTIONS, Figure, figure
from miscaling.plan.names import MODEL, RESTART, cli_flags, fmt_number, parse_dataset
from miscaling.plan.outputs import Plan
from miscaling.plan.pipeline import Jobs, Model, SampleSet

__all__ = ["CLAIMS", "CLAIMS_TABLES", "FIGURES", "MODEL", "RESTART", "SECTIONS", "Figure", "Jobs",
           "Model", "Plan", "SampleSet", "cli_flags", "figure", "fmt_number", "parse_dataset"]

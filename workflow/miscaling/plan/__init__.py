"""The pipeline's plan of itself, torch-free: names (:mod:`.names`), the figures
(:mod:`.figures`), what a configuration makes (:mod:`.pipeline`), what each job costs
(:mod:`.resources`) and the configuration's checks (:mod:`.checks`).  The rules import it."""

from miscaling.plan.figures import CLAIMS_TABLES, FIGURES, SECTIONS, Figure, figure
from miscaling.plan.names import MODEL, RESTART, cli_flags, fmt_number, parse_dataset
from miscaling.plan.pipeline import Model, Plan, SampleSet

__all__ = ["CLAIMS_TABLES", "FIGURES", "MODEL", "RESTART", "SECTIONS", "Figure", "Model", "Plan",
           "SampleSet", "cli_flags", "figure", "fmt_number", "parse_dataset"]

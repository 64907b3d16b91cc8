# The configuration is checked before any job runs, one line per problem:
#   1. keys the schema does not know (a typo): the key, its section, the closest valid key and
#      the file (or --config) that sets it;
#   2. the JSON schema (workflow/schemas/config.schema.yaml): types, ranges, choices; Snakemake's
#      validate() then fills in the schema's defaults;
#   3. what a schema cannot say: every Transformer width divisible by its heads, and lag specs
#      the estimator can parse.

import difflib

import yaml
from jsonschema.validators import validator_for
from miscaling.mi import parse_lags
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

#: Config values that are lag specs (miscaling.mi.parse_lags), as key paths.
LAG_SPEC_KEYS = [
    ("binary", "lags"),
    ("estimator_benchmark", "lags"),
    ("corpora", "lags"),
    ("theory", "repetitive", "lags"),
]

#: Config sections with a `fit` block (analysis.smk's fit_flags reads them).
FIT_SECTIONS = ("binary", "estimator_benchmark", "corpora")


def _resolve(node, schema):
    """Follow local $refs ('#/definitions/fit') to the schema node they name."""
    while isinstance(node, dict) and "$ref" in node:
        target = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def unknown_keys(value, node, schema, path=()):
    """(section path, key, valid keys) of every key an `additionalProperties: false` refuses."""
    node = _resolve(node, schema)
    if not isinstance(value, dict) or not isinstance(node, dict):
        return
    properties = node.get("properties", {})
    extra = node.get("additionalProperties", True)
    for key, item in value.items():
        if key in properties:
            yield from unknown_keys(item, properties[key], schema, (*path, key))
        elif extra is False:
            yield path, key, sorted(properties)
        elif isinstance(extra, dict):
            yield from unknown_keys(item, extra, schema, (*path, key))


def _lookup(data, path):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _holds(data, path):
    parent = _lookup(data, path[:-1])
    return isinstance(parent, dict) and path[-1] in parent


def _shown_path(path):
    path = str(path)
    relative = os.path.relpath(path) if os.path.isabs(path) else path
    return path if relative.startswith("..") else relative


def key_sources(path):
    """The config files (and --config) that set the key at ``path``."""
    sources = []
    for configfile in workflow.configfiles:
        try:
            with open(configfile) as handle:
                data = yaml.safe_load(handle)
        except (OSError, yaml.YAMLError):
            continue
        if _holds(data, path):
            sources.append(_shown_path(configfile))
    if _holds(workflow.config_settings.config or {}, path):
        sources.append("--config")
    return sources or ["the configuration"]


def unknown_key_problems(config, schema):
    problems = []
    for section, key, valid in unknown_keys(config, schema, schema):
        where = " and ".join(key_sources((*section, key)))
        place = f"section {'.'.join(section)}" if section else "the top level"
        close = difflib.get_close_matches(key, valid, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"valid keys: {', '.join(valid)}"
        problems.append(f"{where}: unknown config key {key!r} in {place}; {hint}")
    return problems


def schema_problems(config, schema):
    problems = []
    validator = validator_for(schema)(schema)
    for error in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.path))):
        where = ".".join(map(str, error.absolute_path)) or "top level"
        message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
        problems.append(f"config key {where}: {message}")
    return problems


def semantic_problems(config):
    """What the schema cannot express; run on the validated config (defaults filled in)."""
    problems = []
    transformer = config["binary_models"]["architectures"].get("transformer")
    if transformer:
        heads = transformer["heads"]
        widths = sorted({*transformer["widths"], *transformer["depth_sweep_widths"]})
        section = "binary_models.architectures.transformer"
        if heads is None and widths:
            problems.append(f"{section}: heads is not set (the Transformer needs it; paper: 4)")
        elif heads:
            problems += [
                f"{section}: width {width} is not divisible by heads {heads} "
                "(each head gets width / heads dimensions)"
                for width in widths
                if width % heads
            ]
    for level in ("char", "word"):
        architectures = config["text_models"][level]["architectures"]
        section = f"text_models.{level}.architectures"
        transformer = architectures.get("transformer", {})
        heads = transformer.get("heads") or 8  # the paper's, miscaling.recipes
        problems += [
            f"{section}.transformer: width {width} is not divisible by heads {heads} "
            "(each head gets width / heads dimensions)"
            for width in sorted(
                {*transformer.get("widths", []), *transformer.get("depth_sweep_widths", [])}
            )
            if width % heads
        ]
        if transformer.get("embedding_dim") is not None:
            problems.append(
                f"{section}.transformer: embedding_dim applies to LSTMs only "
                "(a Transformer's embedding is its width)"
            )
        if architectures.get("lstm", {}).get("heads") is not None:
            problems.append(f"{section}.lstm: heads applies to Transformers only")
    shuffles = config["estimator"]["shuffles"]
    for section in FIT_SECTIONS:
        if _lookup(config, (section, "fit", "floor_sds")) is not None and shuffles < 2:
            problems.append(
                f"config key {section}.fit.floor_sds: the fits then need the shuffle floor's "
                f"standard deviation, which takes estimator.shuffles >= 2 (got {shuffles})"
            )
    estimator = config["estimator"]
    if estimator["within_shuffles"] > 0 and estimator["shuffle_scope"] == "within":
        problems.append(
            f"config keys estimator.within_shuffles ({estimator['within_shuffles']}) and "
            "estimator.shuffle_scope (within): the within floor is the second floor beside the "
            "global one, and with shuffle_scope within the baseline would already be it; set "
            "estimator.shuffle_scope: global or estimator.within_shuffles: 0"
        )
    for path in LAG_SPEC_KEYS:
        spec = _lookup(config, path)
        if spec is None:
            continue
        try:
            parse_lags(spec)
        except ValueError as error:
            problems.append(f"config key {'.'.join(path)}: {error}")
    return problems


def check_config(config, schema_path):
    """Validate ``config`` in place (schema defaults filled in) or raise one line per problem."""
    with open(schema_path) as handle:
        schema = yaml.safe_load(handle)
    problems = unknown_key_problems(config, schema) or schema_problems(config, schema)
    if not problems:
        validate(config, schema_path)
        problems = semantic_problems(config)
    if problems:
        raise WorkflowError("\n".join(problems))

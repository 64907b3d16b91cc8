"""The configuration's checks, run before any job, one line per problem: keys the schema does
not know (with the closest valid key and the file that sets it), the JSON schema
(workflow/schemas/config.schema.yaml, whose defaults are then filled in), and what a schema
cannot say (Transformer widths divisible by heads, lag specs, known corpora).
"""

from __future__ import annotations

import difflib
import os

import yaml
from jsonschema.validators import validator_for

from miscaling.mi.lags import parse_lags, ratio_block_lengths, short_ratios
from miscaling.plan.names import TEXT_CORPORA

__all__ = ["FIT_SECTIONS", "LAG_SPEC_KEYS", "coerce_overrides",
           "config_problems"]

#: Config values that are lag specs (miscaling.mi.parse_lags), as key paths.
LAG_SPEC_KEYS = [
    ("binary", "lags"),
    ("estimator_benchmark", "lags"),
    ("corpora", "lags"),
    ("theory", "repetitive", "lags"),
    ("bipartite", "binary", "block_lengths"),
    ("bipartite", "char", "block_lengths"),
    ("bipartite", "word", "block_lengths"),
]
#: Config sections with a `fit` block.
FIT_SECTIONS = ("binary", "estimator_benchmark", "corpora")


def _resolve(node, schema):
    """Follow local $refs ('#/definitions/fit') to the schema node they name."""
    while isinstance(node, dict) and "$ref" in node:
        target = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _child(node, key, schema):
    """The schema node of ``key`` under ``node`` (properties, else additionalProperties)."""
    node = _resolve(node, schema)
    if not isinstance(node, dict):
        return None
    if key in node.get("properties", {}):
        return node["properties"][key]
    extra = node.get("additionalProperties")
    return extra if isinstance(extra, dict) else None


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


def key_sources(path, configfiles, overrides) -> list[str]:
    """The config files (and --config) that set the key at ``path``."""
    sources = []
    for configfile in configfiles:
        try:
            with open(configfile) as handle:
                data = yaml.safe_load(handle)
        except (OSError, yaml.YAMLError):
            continue
        if _holds(data, path):
            sources.append(_shown_path(configfile))
    if _holds(overrides or {}, path):
        sources.append("--config")
    return sources or ["the configuration"]


def _types(node, schema):
    node = _resolve(node, schema)
    kind = node.get("type", []) if isinstance(node, dict) else []
    return {kind} if isinstance(kind, str) else set(kind)


def _coerced(value, node, schema):
    """``value`` with the strings the schema wants as numbers or booleans parsed as YAML."""
    types = _types(node, schema)
    resolved = _resolve(node, schema)
    enum = resolved.get("enum") if isinstance(resolved, dict) else None
    as_string = "string" in types and not (enum and value not in enum)
    if isinstance(value, str) and not as_string and types & {"integer", "number", "boolean",
                                                             "null"}:
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
        return parsed if not isinstance(parsed, (str, dict, list)) else value
    if isinstance(value, list):
        resolved = _resolve(node, schema)
        items = resolved.get("items") if isinstance(resolved, dict) else None
        return [_coerced(item, items, schema) if items else item for item in value]
    if isinstance(value, dict):
        return {key: _coerced(item, _child(node, key, schema), schema)
                if _child(node, key, schema) is not None else item
                for key, item in value.items()}
    return value


def coerce_overrides(config: dict, overrides: dict | None, schema: dict) -> None:
    """Parse, in place, the values ``--config`` set inside a nested mapping.

    Snakemake parses ``--config key=value`` values as YAML of strings only, so in
    ``text_models={char: {architectures: {lstm: {widths: [16, 64]}}}}`` every number arrives
    as a string; where the schema expects a number or a boolean, the string is read as YAML.
    """
    for key in overrides or {}:
        node = _child(schema, key, schema)
        if key in config and node is not None:
            config[key] = _coerced(config[key], node, schema)


def unknown_key_problems(config, schema, configfiles=(), overrides=None) -> list[str]:
    problems = []
    for section, key, valid in unknown_keys(config, schema, schema):
        where = " and ".join(key_sources((*section, key), configfiles, overrides))
        place = f"section {'.'.join(section)}" if section else "the top level"
        close = difflib.get_close_matches(key, valid, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"valid keys: {', '.join(valid)}"
        problems.append(f"{where}: unknown config key {key!r} in {place}; {hint}")
    return problems


def schema_problems(config, schema) -> list[str]:
    problems = []
    validator = validator_for(schema)(schema)
    for error in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.path))):
        where = ".".join(map(str, error.absolute_path)) or "top level"
        message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
        problems.append(f"config key {where}: {message}")
    return problems


def _head_problems(section, widths, heads) -> list[str]:
    return [f"{section}: width {width} is not divisible by heads {heads} "
            "(each head gets width / heads dimensions)" for width in widths if width % heads]


def _bipartite_problems(config) -> list[str]:
    """The binary blocks must fit the binary sequences (the window: the smallest ratio x the
    largest l <= length), and every ratio must keep enough block lengths for its fit."""
    cfg = config.get("bipartite") or {}
    if not cfg.get("enabled"):
        return []
    problems, length = [], config["binary"]["length"]
    for level in ("binary", "char", "word"):
        try:
            ells = parse_lags(cfg[level]["block_lengths"])
        except ValueError:
            continue  # reported with the other lag specs
        window, grids = ratio_block_lengths(ells, cfg["ratios"])
        needed, short = short_ratios(grids, len(ells))
        problems += [f"config key bipartite.ratios: ratio {ratio:g} keeps {len(grids[ratio])} "
                     f"of bipartite.{level}.block_lengths (those with ratio x l <= {window}, the "
                     f"smallest ratio's longest L); its power-law fit needs {needed}"
                     for ratio in short]
        if level == "binary" and window > length:
            problems.append(f"config key bipartite.ratios: L = {min(cfg['ratios']):g} x "
                            f"{int(ells.max())} (the smallest ratio x the largest of "
                            f"bipartite.binary.block_lengths) exceeds binary.length {length}")
    return problems


def semantic_problems(config) -> list[str]:
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
            problems += _head_problems(section, widths, heads)
    for level in ("char", "word"):
        architectures = config["text_models"][level]["architectures"]
        section = f"text_models.{level}.architectures"
        transformer = architectures.get("transformer", {})
        heads = transformer.get("heads") or 8  # the paper's, miscaling.recipes
        widths = sorted({*transformer.get("widths", []),
                         *transformer.get("depth_sweep_widths", [])})
        problems += _head_problems(f"{section}.transformer", widths, heads)
        if transformer.get("embedding_dim") is not None:
            problems.append(f"{section}.transformer: embedding_dim applies to LSTMs only "
                            "(a Transformer's embedding is its width)")
        if architectures.get("lstm", {}).get("heads") is not None:
            problems.append(f"{section}.lstm: heads applies to Transformers only")
    for section, architectures in (
            ("binary_models.architectures", config["binary_models"]["architectures"]),
            *((f"text_models.{level}.architectures", config["text_models"][level]["architectures"])
              for level in ("char", "word"))):
        ssm = architectures.get("ssm") or {}
        problems += [f"{section}.ssm: {key} does not apply to the ssm (it embeds in its width"
                     f"{' and has no attention' if key == 'heads' else ''})"
                     for key in ("embedding_dim", "heads") if ssm.get(key) is not None]
    shuffles = config["estimator"]["shuffles"]
    for section in FIT_SECTIONS:
        if _lookup(config, (section, "fit", "floor_sds")) is not None and shuffles < 2:
            problems.append(
                f"config key {section}.fit.floor_sds: the fits then need the shuffle floor's "
                f"standard deviation, which takes estimator.shuffles >= 2 (got {shuffles})")
    estimator = config["estimator"]
    if estimator["within_shuffles"] > 0 and estimator["shuffle_scope"] == "within":
        problems.append(
            f"config keys estimator.within_shuffles ({estimator['within_shuffles']}) and "
            "estimator.shuffle_scope (within): the within floor is the second floor beside the "
            "global one, and with shuffle_scope within the baseline would already be it; set "
            "estimator.shuffle_scope: global or estimator.within_shuffles: 0")
    known = ", ".join(TEXT_CORPORA)
    problems += [f"config key corpora.names: unknown corpus {name!r}; expected some of {known}"
                 for name in config["corpora"]["names"] if name not in TEXT_CORPORA]
    if config["text_models"]["corpus"] not in TEXT_CORPORA:
        problems.append(f"config key text_models.corpus: unknown corpus "
                        f"{config['text_models']['corpus']!r}; expected one of {known}")
    problems += _bipartite_problems(config)
    for path in LAG_SPEC_KEYS:
        spec = _lookup(config, path)
        if spec is None:
            continue
        try:
            parse_lags(spec)
        except ValueError as error:
            problems.append(f"config key {'.'.join(path)}: {error}")
    return problems


def config_problems(config, schema_path, configfiles=(), overrides=None):
    """Every problem of ``config`` (validated in place, defaults filled in where it passes).

    Snakemake's ``validate`` fills the schema's defaults; ``overrides`` are the ``--config``
    values, whose strings are parsed first.
    """
    with open(schema_path) as handle:
        schema = yaml.safe_load(handle)
    coerce_overrides(config, overrides, schema)
    problems = (unknown_key_problems(config, schema, configfiles, overrides)
                or schema_problems(config, schema))
    if not problems:
        from snakemake.utils import validate

        validate(config, schema_path)
        problems = semantic_problems(config)
    return problems

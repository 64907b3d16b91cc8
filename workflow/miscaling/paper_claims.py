"""Every claim of the paper as a typed record: the registry the summaries, the claims table,
the report and the README read (torch-free).

A :class:`Claim` says where the paper makes the statement, the statement in one line, which
models and lags it is about, the quantity measured, the direction expected, the rule of
:mod:`miscaling.verdicts` that decides it and the table (``source``) whose summary applies it.
A claim whose ``rule`` is empty is listed but not yet decided by this pipeline; the claims table
shows it as *not measured* and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BETWEEN_MODELS", "BEYOND_THE_PAPER", "CLAIMS", "TRAINED_XI",
           "Claim", "claim", "claims_of"]


@dataclass(frozen=True)
class Claim:
    """One statement of the paper and how this pipeline decides it."""

    id: str
    section: str
    figure: str
    statement: str
    scope: str
    quantity: str
    expected: str
    rule: str
    source: str
    note: str = ""  # why a claim without a rule is not decided

    @property
    def between_models(self) -> bool:
        """Whether the claim compares trained models with each other (then the spread
        between training seeds matters, :mod:`miscaling.seed_spread`)."""
        return self.id in BETWEEN_MODELS

    @property
    def seed_spread_matters(self) -> bool:
        """Whether a trained model's ξ, widened by the seed spread, decides the claim."""
        return self.between_models or self.id in TRAINED_XI

    @property
    def decided(self) -> bool:
        return bool(self.rule)


def _c(id, section, figure, statement, scope, quantity, expected, rule, source,
       note="") -> Claim:
    return Claim(id, section, figure, statement, scope, quantity, expected, rule, source, note)


B, T, C = "binary_trends", "text_trends", "size_matched_control"

#: The claims that set a trained model's ξ against the data's or a number of the paper.
TRAINED_XI = frozenset({
    "transformer_16x1_overestimates_xi",
    "best_lstm_xi_below_350",
    "xi_rnn_saturates_near_100",
    "char_lstm_xi_below_data_below_2048",
    "word_lstm_captures_intermediate",
    "shallow_char_transformers_under_capture_short_range",
})
#: The claims that compare trained models with each other.
BETWEEN_MODELS = frozenset({
    "xi_rnn_grows_with_width",
    "xi_rnn_grows_with_depth",
    "xi_lstm_grows_with_width",
    "xi_rnn_below_lstm_same_width",
    "xi_rnn_w32_below_lstm_w4",
    "lstm_depth_beyond_two_no_gain",
    "transformer_mi_matches_data",
    "lstm_depth_no_gain_text",
    "char_transformer_captures_mid_range",
    "deeper_char_transformers_closer_to_data",
    "deeper_word_transformers_closer_to_data",
    "xi_ssm_grows_with_state",
})

#: In the paper's order: data and estimator, theory, binary models, language models.
CLAIMS: tuple[Claim, ...] = (
    # ------------------------------------------------------------------ data and estimator
    _c("nonuniformity_split_mi_larger", "4.2.2, App. D.2", "Fig. 6",
       "the validation and test sets of PTB and WikiText carry more long-range MI than the "
       "training text", "each split against same-size training chunks", "mean I - floor, "
       "lags 50..1000", "above the chunks (text8: within)", "placed_among", C),
    _c("nonuniformity_split_decay_missing", "4.2.2, App. D.2", "Fig. 6",
       "the algebraic decay at long distances is missing in the validation and test sets",
       "each split against same-size training chunks", "gamma of I and of I - floor, lags "
       "50..1000", "below the chunks (flatter; text8: within)", "placed_among", C),
    _c("estimator_recovers_gamma", "App. D.1", "Fig. 5",
       "the estimator recovers the exponent of I = 0.1 tau^-gamma", "each gamma of Figure 5",
       "gamma-hat", "within the tolerance of gamma", "within_tolerance", "fig5_gamma"),
    _c("training_sets_power_law", "App. D.2", "Fig. 6",
       "a power law is observed in every training set", "every corpus' training split, lags "
       "50..1000", "AIC of I - floor", "algebraic", "every_decay", "corpus_trends"),
    _c("wikitext2_short_range_exponential", "4.2.2", "Fig. 2",
       "WikiText-2's training text: I decays exponentially for tau <~ 10",
       "WikiText-2 training text, lags 1..10", "AIC of I - floor", "exponential",
       "every_decay", T),
    _c("wikitext2_long_range_power_03", "4.2.2", "Fig. 2",
       "WikiText-2's training text: I ~ tau^-0.3 for 50 <~ tau <~ 1000",
       "WikiText-2 training text, lags 50..1000", "AIC of I - floor", "algebraic",
       "every_decay", T),
    # ------------------------------------------------------------------ theory
    _c("theory_linear_rnn", "4.1, App. A", "linear RNN",
       "linear RNNs' mutual information decays exponentially", "every check case",
       "predicted against measured", "within tolerance", "numerical_check",
       "theory_linear_rnn"),
    _c("theory_repetitive", "App. C", "Fig. 4",
       "Eq. 52: repetitive sequences have constant mutual information", "every check case",
       "predicted against measured", "within tolerance", "numerical_check",
       "theory_repetitive"),
    _c("theory_ising", "App. G", "Ising chain",
       "Eq. 62: conditional sampling of the Ising chain", "every check case",
       "predicted against measured", "within tolerance", "numerical_check", "theory_ising"),
    # ------------------------------------------------------------------ binary models
    _c("binary_data_power_law", "4.2.1", "Fig. 1, 3(a)",
       "the binary training data follow I = 0.1 tau^-0.4", "the training set",
       "gamma of the power-law fit", "0.4 +- 0.05", "within_tolerance", B),
    _c("rnn_samples_exponential", "4.2.1", "Fig. 1(a)",
       "every vanilla RNN's samples decay exponentially", "every RNN, all and log-spaced lags",
       "AICc exponential against power", "exponential", "every_decay", B),
    _c("xi_rnn_grows_with_width", "4.2.1", "Fig. 1(c)",
       "xi of vanilla RNNs grows (logarithmically) with width for m <= 32",
       "depth-1 RNNs of width <= 32", "xi", "increasing", "grows", B),
    _c("xi_rnn_saturates_near_100", "4.2.1", "Fig. 1(c)",
       "xi of wide vanilla RNNs saturates near 100", "depth-1 RNNs of width >= 64", "xi",
       "100 +- 50", "within_tolerance", B),
    _c("xi_rnn_grows_with_depth", "4.2.1", "Fig. 1(d)",
       "xi of vanilla RNNs grows (linearly) with depth for shallow networks",
       "width-8 RNNs, depth 1..3", "xi", "increasing", "grows", B),
    _c("rnn_8x2_overestimates_short_range", "4.2.1", "Fig. 1(a)",
       "the 8 x 2 RNN overestimates the short-range MI", "RNN 8 x 2 against the data, tau <~ 10",
       "mean I - floor, lags 1..10", "above the data", "ordered", B),
    _c("small_lstm_samples_exponential", "4.2.1", "Fig. 1(b)",
       "the exponential decay is clearly seen in very small LSTMs", "depth-1 LSTMs of width <= 4",
       "AICc exponential against power", "exponential", "every_decay", B),
    _c("xi_lstm_grows_with_width", "4.2.1", "Fig. 1(c)",
       "xi of LSTMs grows (linearly) with width in small LSTMs", "depth-1 LSTMs of width <= 8",
       "xi", "increasing", "grows", B),
    _c("xi_rnn_below_lstm_same_width", "4.2.1", "Fig. 1(c)",
       "LSTMs' xi scales much better than vanilla RNNs'", "width-8 depth-1 RNN and LSTM", "xi",
       "RNN below LSTM", "ordered", B),
    _c("xi_rnn_w32_below_lstm_w4", "App. E.1.1", "Fig. 1(c)",
       "xi of the m = 32 RNN (1190 parameters) is below that of the m = 4 LSTM (126)",
       "RNN 32 x 1 and LSTM 4 x 1", "xi", "RNN below LSTM", "ordered", B),
    _c("lstm_depth_beyond_two_no_gain", "App. E.1.1", "Fig. 7",
       "increasing LSTM depth beyond two layers does not improve xi",
       "LSTMs of each depth-sweep width", "xi", "deepest at most 25% above depth 2",
       "no_gain", B),
    _c("training_xi_about_420", "4.2.1, App. E.2.1", "Fig. 9",
       "the exponential fit of the training set gives xi ~ 420", "the training set", "xi",
       "420 +- 25%", "within_tolerance", B),
    _c("transformer_samples_algebraic", "5.1", "Fig. 3(a), 9",
       "Transformers' samples decay algebraically, even the m = 4 model",
       "every Transformer, all and log-spaced lags", "AICc exponential against power",
       "algebraic", "every_decay", B),
    _c("transformer_mi_matches_data", "5.1", "Fig. 3(a)",
       "the magnitude of Transformers' MI coincides with the training data; LSTMs' is smaller",
       "depth-1 Transformers and LSTMs of the same width", "distance of I - floor to the "
       "data's, all lags", "Transformer closer", "ordered", B),
    _c("best_lstm_xi_below_350", "App. E.2.1", "Fig. 9",
       "the best LSTM's xi is below 350", "the LSTM of largest xi", "xi", "below 350",
       "ordered", B),
    _c("transformer_16x1_overestimates_xi", "App. E.2.1", "Fig. 9",
       "the m = 16 single-layer Transformer overestimates xi", "Transformer 16 x 1 against "
       "the training set", "xi", "above the data's", "ordered", B),
    # ------------------------------------------------------------------ language models
    _c("char_lstm_samples_exponential_mid", "4.2.2", "Fig. 2(a) inset",
       "every character-level LSTM's samples decay exponentially at intermediate distance",
       "every char LSTM, lags 10..100", "AIC of I - floor", "exponential", "every_decay", T),
    _c("char_lstm_no_long_range_power_law", "4.2.2", "Fig. 2(a)",
       "no power-law decay at long distance is captured by character-level LSTMs",
       "every char LSTM, lags 50..500", "AIC of I - floor", "not algebraic", "every_decay",
       T),
    _c("char_lstm_short_range_fine_m32", "4.2.2", "Fig. 2(a)",
       "character-level LSTMs capture the short-range MI well for m >= 32",
       "depth-1 char LSTMs of width >= 32, lags 1..10", "distance of I - floor to the "
       "size-matched data", "within 25%", "within_tolerance", T),
    _c("char_lstm_wide_overestimate_short_range", "4.2.2", "Fig. 2(a)",
       "the m = 1024 and 2048 character-level LSTMs overestimate the short-range MI",
       "char LSTMs of width 1024 and 2048, lags 1..10", "mean I - floor", "above the "
       "size-matched data's", "ordered", T),
    _c("char_lstm_xi_below_data_below_2048", "App. E.1.2", "Fig. 8(a)",
       "character-level LSTMs cannot capture intermediate-range features unless m = 2048",
       "depth-1 char LSTMs of width < 2048", "xi", "below the size-matched data's",
       "ordered", T),
    _c("word_lstm_captures_intermediate", "4.2.2, App. E.1.2", "Fig. 2(b), 8(a)",
       "word-level LSTMs (already m = 16) capture the MI up to intermediate distance",
       "depth-1 word LSTMs", "xi", "within half of the size-matched data's",
       "within_tolerance", T),
    _c("lstm_depth_no_gain_text", "App. E.1.2", "Fig. 8(b)",
       "increasing LSTM depth does not improve xi significantly", "char and word LSTMs of "
       "the depth-sweep widths", "xi", "deepest at most 25% above depth 1", "no_gain", T),
    _c("word_lstm_2048_overestimates", "4.2.2", "Fig. 2(b)",
       "the m = 2048 word LSTM has a power law to tau <~ 150, overestimated about twice",
       "word LSTM 2048 x 1, lags 10..100", "mean I - floor over the size-matched data's",
       "2 +- 0.5", "within_tolerance", T),
    _c("lstm_mi_decays_to_constant", "4.2.2", "Fig. 2",
       "LSTMs' MI decays to a nonzero constant, not to zero", "every LSTM, lags 50..500",
       "mean I - floor, lags 50..500", "above zero", "ordered", T),
    _c("char_transformer_captures_mid_range", "App. E.2.2", "Fig. 3(b), 10(a)",
       "character-level Transformers capture the mid-range MI well, unlike char LSTMs",
       "depth-1 char Transformer and LSTM of one width, lags 10..100",
       "distance of I - floor to the size-matched data", "Transformer closer", "ordered", T),
    _c("small_word_transformers_track_data", "5.2", "Fig. 3(c)",
       "even small word-level Transformers track the MI closely up to intermediate distance",
       "the narrowest depth-1 word Transformer, lags 10..100", "distance of I - floor to the "
       "size-matched data", "within 25%", "within_tolerance", T),
    _c("shallow_char_transformers_under_capture_short_range", "App. E.2.2", "Fig. 3(b), 10(a)",
       "shallow character-level Transformers under-capture the short-range MI and show "
       "spuriously long xi", "depth-1 char Transformers", "mean I - floor at lags 1..10; xi",
       "below the size-matched data's; xi above it", "ordered", T),
    _c("deeper_char_transformers_closer_to_data", "App. E.2.2", "Fig. 10(b)",
       "deep character-level Transformers perform better than shallow ones",
       "char Transformers of the depth-sweep width", "distance to the size-matched data",
       "deepest closer than depth 1", "ordered", T),
    _c("deeper_word_transformers_closer_to_data", "App. E.2.2", "Fig. 10(b)",
       "deep word-level Transformers perform better than shallow ones",
       "word Transformers of the depth-sweep width", "distance to the size-matched data",
       "deepest closer than depth 1", "ordered", T),
    _c("char_transformer_512_algebraic_tail", "5.2", "Fig. 3(b)",
       "the single-layer m = 512 character-level Transformer has a power-law tail at long "
       "distance", "char Transformer 512 x 1, lags 50..500", "AIC of I - floor", "algebraic",
       "every_decay", T),
    _c("word_transformer_deep_tail_to_500", "5.2", "Fig. 3(c)",
       "the three- and five-layer word-level Transformers have a power-law tail up to "
       "tau ~ 500", "word Transformers of depth 3 and 5, lags 50..500", "AIC of I - floor",
       "algebraic", "every_decay", T),
    _c("gpt2_samples_algebraic", "5.2", "Fig. 3(d)",
       "GPT-2's algebraic decay persists up to tau ~ 1000", "GPT-2 1.5B samples, lags "
       "50..1000", "AIC of I - floor", "algebraic", "every_decay", T),
    _c("gpt2_mi_larger_than_wikitext2", "5.2", "Fig. 3(d)",
       "GPT-2's MI is much larger than WikiText-2's", "GPT-2 samples against WikiText-2's "
       "training text, lags 10..100", "mean I - floor", "GPT-2 above", "ordered", T),
    _c("gpt2_117m_algebraic", "5.2", "Fig. 3(d)",
       "the 117M GPT-2's algebraic decay persists too", "GPT-2 117M samples",
       "AIC of I - floor", "algebraic", "", T,
       "the 117M samples have no published checksum, so the pipeline does not download them "
       "(README: fetch them by hand with the hash you trust)"),
    _c("text_quality_tracks_mi_range", "App. F", "Appendix F",
       "text quality (spelling, balanced titles, topical paragraphs) tracks the range of the "
       "MI", "every language model's samples", "reading", "qualitative", "", T,
       "a reading, not a measurement: results/figures/appendix_f.txt holds every model's "
       "samples beside its MI"),
)

#: Beyond the paper: the selective SSM (docs/METHODS.md §7.9) and the L²M bipartite MI (Chen
#: et al. 2025, §10), after the paper's claims.
BEYOND_THE_PAPER: tuple[Claim, ...] = (
    _c("ssm_samples_exponential", "SSM (beyond the paper)", "SSM figure",
       "every selective SSM's samples decay exponentially, like the RNNs' (a fixed state: L2M)",
       "every SSM, all and log-spaced lags", "AICc exponential against power", "exponential",
       "every_decay", B),
    _c("xi_ssm_grows_with_state", "SSM (beyond the paper)", "SSM figure",
       "xi of selective SSMs grows with their state size", "depth-1 SSMs of every width "
       "(state 38 x width)", "xi", "increasing", "grows", B),
    _c("fixed_state_bipartite_saturates", "L2M (beyond the paper)", "bipartite MI figure",
       "fixed-state models' (RNN, LSTM, SSM) bipartite MI saturates at a level set by their "
       "state", "every RNN, LSTM and SSM on its own samples, upper half of the block lengths",
       "slope of ln I(vCLUB) on ln L", "below 0.1", "grows_or_saturates",
       "bipartite_trends"),
    _c("transformer_bipartite_grows", "L2M (beyond the paper)", "bipartite MI figure",
       "Transformers' bipartite MI keeps growing up to their context",
       "every Transformer on its own samples, upper half of the block lengths",
       "slope of ln I(vCLUB) on ln L", "above 0.1", "grows_or_saturates", "bipartite_trends"),
)
CLAIMS += BEYOND_THE_PAPER

_BY_ID = {c.id: c for c in CLAIMS}
if len(_BY_ID) != len(CLAIMS):  # pragma: no cover - a registry error, caught by the tests
    raise RuntimeError("duplicate claim ids in CLAIMS")


def claim(claim_id: str) -> Claim:
    """The registered claim ``claim_id``."""
    try:
        return _BY_ID[claim_id]
    except KeyError:
        raise KeyError(f"unknown claim {claim_id!r}; registered: {list(_BY_ID)}") from None


def claims_of(source: str) -> tuple[Claim, ...]:
    """The claims the summary of ``source`` decides, in registry order."""
    return tuple(c for c in CLAIMS if c.source == source)

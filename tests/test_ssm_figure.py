"""Beyond the paper: the SSM figure, from synthetic sample curves."""

import pandas as pd
import pytest
from miscaling.cli import main
from miscaling.fit import FitConfig, fit_decay
from test_model_figures import LAGS, MODELS, _args, _curve

SSMS = [("ssm", 4, 1), ("ssm", 8, 1), ("ssm", 16, 1), ("ssm", 8, 2)]


@pytest.fixture
def ssm_tables(tmp_path):
    curves, fits = [], []
    for arch, width, depth in [*MODELS, *SSMS]:
        curve = _curve(arch, width, depth)  # exponential, xi = 5 x width for the SSM
        fit = fit_decay(curve.lag, curve.mi, config=FitConfig(min_mi=1e-3, too_few="nan"))
        for table, kind, paths in ((curve, "c", curves),
                                   (fit.assign(arch=arch, width=width, depth=depth), "f", fits)):
            path = tmp_path / f"{kind}_{arch}{width}{depth}.csv"
            table.to_csv(path, index=False)
            paths.append(path)
    reference = tmp_path / "reference.csv"
    fit_decay(LAGS, 0.1 * LAGS ** -0.4).to_csv(reference, index=False)
    _curve("transformer", 1, 1).to_csv(tmp_path / "reference_curve.csv", index=False)
    return curves, fits, reference


def test_the_ssm_figure_draws_its_samples_and_xi_against_state_size(ssm_tables, tmp_path):
    curves, fits, reference = ssm_tables
    out = tmp_path / "figures" / "fig_ssm.pdf"
    assert main(_args("fig_ssm", curves, fits, reference, out)) == 0
    assert out.stat().st_size > 0 and out.with_suffix(".png").stat().st_size > 0
    drawn = pd.read_csv(out.with_suffix(".csv")).set_index(["arch", "width", "depth"])
    # the SSMs (every depth) and the depth-1 RNNs and LSTMs panel (b) sets them against
    assert set(drawn.index) == {(a, w, d) for a, w, d in [*MODELS, *SSMS]
                                if a == "ssm" or (a in ("rnn", "lstm") and d == 1)}
    assert drawn.loc[("ssm", 8, 1), "state_values"] == 8 * 38
    assert drawn.loc[("lstm", 8, 1), "state_values"] == 16
    assert drawn.loc[("ssm", 8, 2), "state_values"] == 2 * 8 * 38

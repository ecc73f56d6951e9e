"""SCP model speed: national fit, expected() with intervals, overhead over bare statsmodels.

Run: python benchmarks/bench_scp.py   (targets: fit <= 3 s, expected <= 1 s, ratio <= 1.2)
"""

from __future__ import annotations

import time

import numpy as np
import statsmodels.api as sm

from jeugdlib import scp
from jeugdlib.data import load_scp_2017
from jeugdlib.scp._fit import _build_vc


def best_of(n: int, fn):
    times, out = [], None
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main() -> None:
    df = load_scp_2017()
    t_fit, model = best_of(5, lambda: scp.fit_scp_model(df))
    t_exp, exp = best_of(5, model.expected)
    print(f"national fit (2,632 wijken, 27 predictors): {t_fit:.3f} s")
    print(f"expected() with 95% intervals (2,918 wijken): {t_exp:.3f} s")

    # bare statsmodels on the same (imputed, standardised) design
    mask = model.fit_mask
    fit = df[mask]
    X = np.column_stack([np.ones(mask.sum()), model.design.X[mask].to_numpy()])
    y = fit.perc_jhzv.to_numpy()
    order = np.argsort(fit.jeugdregio_code.to_numpy(), kind="stable")
    vc, _ = _build_vc(fit.jeugdregio_code.to_numpy()[order], fit.gemeentecode.to_numpy()[order], np.ones(mask.sum()))

    def bare():
        return sm.MixedLM(
            y[order],
            X[order],
            groups=fit.jeugdregio_code.to_numpy()[order],
            exog_re=np.ones((mask.sum(), 1)),
            exog_vc=vc,
        ).fit(reml=True, method="lbfgs")

    t_bare, res = best_of(5, bare)
    print(f"bare statsmodels MixedLM fit, same design:  {t_bare:.3f} s")
    print(f"ratio jeugdlib / bare:                      {t_fit / t_bare:.2f}")
    t_cv, (metrics, _) = best_of(1, lambda: scp.cross_validate(df, folds=5))
    print(
        f"5-fold gemeente cross-validation:           {t_cv:.2f} s (R2 {metrics.r2:.3f}, coverage "
        f"{metrics.coverage:.3f})"
    )
    agreement = scp.compare_with_published(exp)
    print(f"agreement with SCP perc_przv: r = {agreement.corr_expected:.4f}, RMSE = {agreement.rmse_expected:.3f} pp")


if __name__ == "__main__":
    main()

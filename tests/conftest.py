"""Shared fixtures. No test touches the network: cbsodata calls are blocked."""

from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    import cbsodata

    def blocked(*args, **kwargs):
        raise RuntimeError("tests must not use the network (cbsodata was called)")

    for name in ("get_data", "get_meta", "get_table_list", "get_info"):
        if hasattr(cbsodata, name):
            monkeypatch.setattr(cbsodata, name, blocked)


@pytest.fixture(scope="session")
def scp_2017():
    from jeugdlib.data import load_scp_2017

    return load_scp_2017()


@pytest.fixture(scope="session")
def scp_model(scp_2017):
    from jeugdlib.scp import fit_scp_model

    return fit_scp_model(scp_2017)

"""Small CLI behaviour: --version, an unsupported --year, the documented cron line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import jeugdlib
from jeugdlib.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"jeugdlib {jeugdlib.__version__}"


def test_unsupported_year_is_a_usage_error_not_a_traceback(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["report", "--region", "JZ24", "--year", "2017", "--out", str(tmp_path / "r")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--year: ongeldige keuze 2017 (kies uit 2021, 2022)" in err and "Traceback" not in err
    assert "invalid choice" not in err and "usage:" not in err
    assert not (tmp_path / "r").exists()


def test_documented_cron_line_runs_on_the_first_monday_only():
    """Cron ORs day-of-month and weekday: '1-7 * 1' would run on days 1-7 and on every Monday."""
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    line = next(x for x in readme.splitlines() if "jeugdlib report --all" in x and x.strip().startswith("0 6"))
    fields = line.split()[:5]
    assert fields[2] == "1-7" and fields[4] == "*" and "date +\\%u" in line
    workflow = (root / ".github" / "workflows" / "reports.yml").read_text(encoding="utf-8")
    assert re.search(r'cron: "0 6 1-7 \* \*"', workflow) and "date -u +%u" in workflow

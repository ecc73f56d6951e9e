"""The CLI speaks Dutch: argparse's messages, batch summaries, user errors without tracebacks."""

from __future__ import annotations

import errno
import re

import pytest

from jeugdlib import reports
from jeugdlib.cli import (
    DEBUG_ENV,
    REGION_YEARS,
    batch_failure_line,
    batch_totals,
    main,
    translate_argparse_message,
)
from jeugdlib.errors import DataError

ENGLISH = ("usage:", "error:", "invalid choice", "options:", "positional arguments", "required", "unrecognized")


def _assert_dutch(text: str) -> None:
    assert "Traceback" not in text
    for word in ENGLISH:
        assert word not in text, (word, text)
    assert "{" not in text and "}" not in text, text


def _usage_error(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    _assert_dutch(captured.err)
    assert captured.err.startswith("gebruik: jeugdlib")
    return captured.err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["report", "--region", "JZ24", "--year", "2017"], "--year: ongeldige keuze 2017 (kies uit 2021, 2022)"),
        (["report", "--region", "JZ24", "--onbekend"], "onbekend argument: --onbekend"),
        (["report", "--region", "JZ24", "--qq", "--zz"], "onbekende argumenten: --qq --zz"),
        ([], "ontbrekend verplicht argument: OPDRACHT"),
        (["data"], "jeugdlib data: fout: ontbrekend verplicht argument: OPDRACHT"),
        (["rapport"], "OPDRACHT: ongeldige keuze rapport (kies uit data, scp, report)"),
        (["report", "--region"], "--region: hier hoort één waarde achter"),
        (["report", "--all", "--jobs", "twee"], "--jobs: twee is geen geheel getal"),
        (["report", "--all", "--jobs", "0"], "--jobs: 0 is te klein (minimaal 1)"),
        (["report", "--re", "JZ24"], "optie --re is niet eenduidig: bedoelt u --region, --regions?"),
        (["data", "regions", "--year", "2030"], "ongeldige keuze 2030 (kies uit 2017, 2021, 2022)"),
    ],
)
def test_usage_errors_are_dutch_with_exit_2(capsys, argv, expected):
    err = _usage_error(capsys, argv)
    assert expected in err
    assert "fout: " in err and "Hulp: jeugdlib" in err


def test_unsupported_year_writes_nothing(capsys, tmp_path):
    _usage_error(capsys, ["report", "--region", "JZ24", "--year", "2017", "--out", str(tmp_path / "r")])
    assert not (tmp_path / "r").exists()


def test_region_years_match_the_embedded_tables():
    from jeugdlib import data

    assert tuple(REGION_YEARS) == tuple(data._REGION_YEARS)


@pytest.mark.parametrize(
    "argv",
    [["-h"], ["report", "-h"], ["data", "fetch", "-h"], ["data", "regions", "-h"], ["scp", "-h"]],
)
def test_help_is_dutch(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    _assert_dutch(out)
    assert out.startswith("gebruik: jeugdlib") and "opties:" in out and "toon deze hulp en stop" in out
    for english in ("show this help", "render", "fetch a", "list the", "folder", "with --all"):
        assert english not in out, english


def test_help_headings(capsys):
    with pytest.raises(SystemExit):
        main(["data", "fetch", "-h"])
    out = capsys.readouterr().out
    assert "\nargumenten:\n  TABEL" in out and "\nopties:\n" in out


def test_translate_argparse_message():
    assert translate_argparse_message("the following arguments are required: --a, --b") == (
        "ontbrekende verplichte argumenten: --a, --b"
    )
    assert translate_argparse_message("argument --n: invalid int value: 'x'") == (
        "--n: ongeldige waarde 'x': verwacht een geheel getal"
    )
    assert translate_argparse_message("argument --n: expected 2 arguments") == "--n: hier horen 2 waarden achter"
    assert translate_argparse_message("argument -a: not allowed with argument -b") == "-a: niet samen met -b"
    assert translate_argparse_message("al Nederlands") == "al Nederlands"


# --------------------------------------------------------------------------- batch summary


def _result(region, status, **extra):
    return {"region": region, "status": status, "error": "", "seconds": 1.0, **extra}


def test_batch_totals_plural_and_order():
    many = (
        [_result(f"JZ{i:02d}", "ok") for i in range(1, 41)]
        + [_result("JZ41", "skipped")]
        + [_result("JZ42", "failed", error="x")]
    )
    assert batch_totals(many) == "42 rapporten: 40 gemaakt, 1 ongewijzigd, 1 mislukt"
    assert batch_totals([_result("JZ24", "skipped")]) == "1 rapport: 1 ongewijzigd"
    assert batch_totals([_result("JZ24", "failed"), _result("JZ25", "failed")]) == "2 rapporten: 2 mislukt"
    assert batch_totals([]) == "0 rapporten: geen regio's gekozen"


def test_batch_failure_line():
    r = _result("JZ24", "failed", name="Haaglanden", error_type="CellTimeoutError", error="cel duurde\nte lang")
    assert batch_failure_line(r) == "MISLUKT JZ24 (Haaglanden): CellTimeoutError: cel duurde te lang"
    # today's results: no name or error_type, the type already in the error text
    old = _result("JZ24", "failed", error="RuntimeError: kapot")
    assert batch_failure_line(old) == "MISLUKT JZ24: RuntimeError: kapot"
    same = _result("JZ24", "failed", error_type="RuntimeError", error="RuntimeError: kapot")
    assert batch_failure_line(same) == "MISLUKT JZ24: RuntimeError: kapot"
    assert batch_failure_line(_result("JZ24", "failed", error=None)) == "MISLUKT JZ24: reden onbekend"
    bsn = batch_failure_line(_result("JZ24", "failed", error="client 111222333 onbekend"))
    assert "111222333" not in bsn and "***" in bsn


def test_report_all_prints_dutch_summary(monkeypatch, capsys, tmp_path):
    calls = {}

    def fake_render_all(out_dir, **kwargs):
        calls.update(kwargs, out_dir=out_dir)
        return [
            _result("JZ01", "ok", name="Groningen"),
            _result("JZ02", "skipped", name="Friesland (Fryslân)"),
            _result("JZ24", "failed", name="Haaglanden", error_type="CellTimeoutError", error="A cell timed out"),
        ]

    monkeypatch.setattr(reports, "render_all", fake_render_all)
    out = tmp_path / "rap"
    code = main(["report", "--all", "--jobs", "3", "--out", str(out)])
    assert code == 1
    assert calls["jobs"] == 3 and calls["out_dir"] == str(out)
    captured = capsys.readouterr()
    assert captured.out.strip() == f"3 rapporten: 1 gemaakt, 1 ongewijzigd, 1 mislukt; index: {out / 'index.html'}"
    assert captured.err.strip() == "MISLUKT JZ24 (Haaglanden): CellTimeoutError: A cell timed out"
    for text in (captured.out, captured.err):
        _assert_dutch(text)
        assert "'status'" not in text and "[" not in text


def test_report_all_success_exit_0(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(reports, "render_all", lambda out_dir, **k: [_result("JZ24", "ok")])
    assert main(["report", "--all", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("1 rapport: 1 gemaakt;") and captured.err == ""


# --------------------------------------------------------------------------- errors during the work


def _raise(exc):
    def fake(*args, **kwargs):
        raise exc

    return fake


def _run_failing(monkeypatch, capsys, tmp_path, exc, debug=None):
    if debug is None:
        monkeypatch.delenv(DEBUG_ENV, raising=False)
    else:
        monkeypatch.setenv(DEBUG_ENV, debug)
    monkeypatch.setattr(reports, "render_region", _raise(exc))
    code = main(["report", "--region", "JZ24", "--out", str(tmp_path / "rep")])
    captured = capsys.readouterr()
    assert captured.out == ""
    return code, captured.err


def test_data_error_one_masked_line(monkeypatch, capsys, tmp_path):
    exc = DataError("beleid.csv, kolom x:\n  rij 3 heeft 111222333\nlever een ander bestand")
    code, err = _run_failing(monkeypatch, capsys, tmp_path, exc)
    assert code == 2
    assert err == "fout in de invoer: beleid.csv, kolom x: rij 3 heeft *** lever een ander bestand\n"


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (FileNotFoundError(errno.ENOENT, "No such file or directory", "/data/weg.csv"), "/data/weg.csv: bestaat niet."),
        (PermissionError(errno.EACCES, "Permission denied", "/rap"), "/rap: geen toegang (rechten)."),
        (OSError(errno.ENOSPC, "No space left on device"), "de schijf is vol."),
    ],
)
def test_os_errors_a_user_can_fix(monkeypatch, capsys, tmp_path, exc, expected):
    code, err = _run_failing(monkeypatch, capsys, tmp_path, exc)
    assert code == 2
    assert err == f"fout in de invoer: {expected}\n"


def test_ctrl_c(monkeypatch, capsys, tmp_path):
    code, err = _run_failing(monkeypatch, capsys, tmp_path, KeyboardInterrupt())
    assert code == 130
    assert err == "afgebroken (Ctrl-C).\n"


def test_unexpected_error_one_line_and_a_request_to_report(monkeypatch, capsys, tmp_path):
    code, err = _run_failing(monkeypatch, capsys, tmp_path, RuntimeError("kapot {'a': 1}"))
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("onverwachte fout: RuntimeError: kapot") and "meld dit als fout" in err
    assert DEBUG_ENV in err


def test_unexpected_error_traceback_with_debug(monkeypatch, capsys, tmp_path):
    code, err = _run_failing(monkeypatch, capsys, tmp_path, ZeroDivisionError("deling door nul"), debug="1")
    assert code == 1
    assert err.startswith("Traceback (most recent call last)")
    assert err.rstrip().splitlines()[-1].startswith("onverwachte fout: ZeroDivisionError: deling door nul")


def test_unknown_region_is_dutch(capsys, tmp_path):
    code = main(["report", "--region", "Haaglandn", "--out", str(tmp_path / "rep")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith('fout in de invoer: onbekende jeugdregio "Haaglandn" in 2022. Bedoelt u: Haaglanden (JZ24)')
    assert err.count("\n") == 1 and "unknown" not in err and "Closest" not in err
    assert not (tmp_path / "rep").exists()


def test_ambiguous_and_empty_region(capsys, tmp_path):
    from jeugdlib.data import regions

    # a word shared by several region names, found from the table rather than assumed
    words = regions(2022).jeugdregio_naam.str.lower().str.findall(r"[a-z]{5,}").explode().value_counts()
    shared = words.index[words.to_numpy() > 1][0]
    assert main(["report", "--region", shared, "--out", str(tmp_path / "rep")]) == 2
    err = capsys.readouterr().err
    assert re.match(rf'fout in de invoer: regio "{shared}" is niet eenduidig in 2022: .*JZ\d\d.*Gebruik de code', err)
    assert "[" not in err and "ambiguous" not in err
    assert main(["report", "--region", " ", "--out", str(tmp_path / "rep")]) == 2
    assert capsys.readouterr().err.startswith("fout in de invoer: lege regionaam")


def test_unwritable_out_is_exit_2_without_traceback(capsys, tmp_path):
    target = tmp_path / "bestand"
    target.write_text("x")
    assert main(["report", "--region", "JZ24", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fout in de invoer: ") and str(target) in err and "Traceback" not in err
    assert err.count("\n") == 1

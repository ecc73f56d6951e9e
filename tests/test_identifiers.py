"""BSN columns refused in every input, identifiers masked in messages, keyed pseudonymisation.

The 11-test used to make test values is written out here digit by digit (pure Python),
independently of the vectorised check in :mod:`jeugdlib.io.identifiers`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import re
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import jeugdlib.trajectories as T
from jeugdlib.errors import DataError
from jeugdlib.io import read_table
from jeugdlib.io.identifiers import bsn_like, mask_identifier, normalise_bsn


def elfproef(nine: str) -> bool:
    """The 11-test on 9 digits, as the BSN specification writes it."""
    total = sum(int(d) * w for d, w in zip(nine[:8], range(9, 1, -1))) - int(nine[8])
    return total % 11 == 0 and int(nine) > 0


def valid_bsns(n: int, seed: int = 1, eight: bool = False) -> list[str]:
    """``n`` distinct numbers passing the 11-test (9 digits, or 8 digits = a leading zero lost)."""
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        v = rng.randrange(10_000_000, 99_999_999) if eight else rng.randrange(100_000_000, 999_999_999)
        text = str(v)
        if elfproef(text.zfill(9)) and not (eight and 19000101 <= v <= 20991231):
            out.add(text)
    return sorted(out)


def invalid_numbers(n: int, seed: int = 2) -> list[str]:
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        text = str(rng.randrange(100_000_000, 999_999_999))
        if not elfproef(text):
            out.add(text)
    return sorted(out)


def fmt(bsn9: str, style: str) -> str:
    d = bsn9.zfill(9)
    return {
        "plain": bsn9,
        "dash": f"{d[:3]}-{d[3:5]}-{d[5:]}" if len(bsn9) == 9 else f"{bsn9[:3]}-{bsn9[3:5]}-{bsn9[5:]}",
        "dots": f"{d[:3]}.{d[3:6]}.{d[6:]}",
        "spaces": f"{d[:3]} {d[3:6]} {d[6:]}",
        "underscores": f"{d[:3]}_{d[3:6]}_{d[6:]}",
        "prefix": f"BSN {d}",
        "padded": "0" + d,
        "float": f"{int(bsn9)}.0",
    }[style]


STYLES = ("plain", "dash", "dots", "spaces", "underscores", "prefix", "padded", "float")


# --------------------------------------------------------------------------- recognising BSNs
def test_valid_bsns_recognised_in_every_format() -> None:
    good = valid_bsns(40) + valid_bsns(20, seed=3, eight=True)
    for style in STYLES:
        values = [fmt(b, style) for b in good]
        assert bsn_like(values).all(), style
    assert bsn_like([int(b) for b in good]).all() and bsn_like([float(b) for b in good]).all()
    assert not bsn_like(invalid_numbers(200)).any()


@pytest.mark.parametrize(
    "value",
    ["2021-01-04", "04-01-2021", "2021.01.04", "20210104", "GM0363", "WK036300", "-123456782", "1234.5678",
     "12,5", "000000000", "1234567", "12345678901", "", None],
)  # fmt: skip
def test_not_bsn_like(value: object) -> None:
    assert not bsn_like([value]).any()


def test_formats_normalise_to_the_same_nine_digits() -> None:
    b8 = valid_bsns(1, seed=5, eight=True)[0]
    variants = [b8, int(b8), "0" + b8, f"{b8[:3]}-{b8[3:5]}-{b8[5:]}", fmt(b8, "dots"), fmt(b8, "spaces"), f" {b8} "]
    assert set(normalise_bsn(variants)) == {"0" + b8}
    assert normalise_bsn(["K1", None]).tolist() == [None, None]


def test_mask_identifier_keeps_two_digits_and_the_format() -> None:
    assert mask_identifier("111222333") == "'11*******'"
    assert mask_identifier("111-22-333") == "'11*-**-***'"
    assert mask_identifier("BSN 111 222 333") == "'BSN 11* *** ***'"


# --------------------------------------------------------------------------- the column rule, in read_table
def _csv(tmp_path: Path, header: list[str], rows: list[list[str]], name: str = "invoer.csv") -> Path:
    p = tmp_path / name
    p.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return p


@pytest.mark.parametrize("style", STYLES)
def test_bsn_column_refused_with_file_column_rows_and_masked_values(style: str, tmp_path: Path) -> None:
    bsns = valid_bsns(3, seed=7)
    shown = [fmt(b, style) for b in bsns]
    p = _csv(tmp_path, ["gemeentecode", "jaar", "nummer"], [["GM0363", "2015", f'"{v}"'] for v in shown])
    with pytest.raises(DataError) as info:
        read_table(p)
    msg = str(info.value)
    assert str(p) in msg and "kolom 'nummer'" in msg and "file lines [2, 3, 4]" in msg
    assert "Haal de kolom uit het bestand" in msg and "pseudoniem" in msg
    assert mask_identifier(sorted(shown)[0]) in msg
    for b in bsns:  # neither the value nor its 9 digits appear
        assert b not in msg and b[2:] not in msg.replace("*", "")
    assert info.value.column == "'nummer'"


def test_bsn_column_refused_in_dataframes_spreadsheets_and_parquet(tmp_path: Path) -> None:
    bsns = valid_bsns(4, seed=8)
    df = pd.DataFrame({"gemeentecode": ["GM0363", "GM0518", "GM0599", "GM0014"], "id": [int(b) for b in bsns]})
    for data in (df, df.assign(id=df["id"].astype(float)), df.assign(id=df["id"].astype(str))):
        with pytest.raises(DataError, match=r"<DataFrame>: kolom 'id' bevat burgerservicenummers .* rows \[0"):
            read_table(data)
    df.to_excel(tmp_path / "t.xlsx", index=False)
    df.to_parquet(tmp_path / "t.parquet", index=False)
    for name in ("t.xlsx", "t.parquet"):
        with pytest.raises(DataError, match="kolom 'id' bevat burgerservicenummers") as info:
            read_table(tmp_path / name)
        assert not any(b in str(info.value) for b in bsns)


def test_column_rule(tmp_path: Path) -> None:
    bsns = valid_bsns(6, seed=9)
    notes = [f"opmerking {i}" for i in range(30)]

    def refused(values: list[str]) -> bool:
        df = pd.DataFrame({"gemeentecode": ["GM0363"] * len(values), "kolom": values})
        try:
            read_table(df)
        except DataError as exc:
            assert "bevat burgerservicenummers" in str(exc)
            return True
        return False

    assert refused(bsns[:1]) and refused(bsns[:2])  # a 1- or 2-row table with a BSN column
    assert refused(bsns[:2] + invalid_numbers(2))  # half of the distinct values pass
    assert refused(notes + bsns[:3])  # 3 BSNs typed among text: all shaped values pass
    assert not refused(notes + bsns[:2])  # two passing values among 30 notes: no evidence
    assert not refused([bsns[0]] * 10)  # one 8-9 digit code repeated (a provider's AGB code)
    assert not refused(invalid_numbers(40))  # numbers that fail the 11-test
    rng = np.random.default_rng(1)  # random 9-digit amounts: about 1 in 11 passes, far below half
    assert not refused([str(v) for v in rng.integers(100_000_000, 999_999_999, 200)])
    assert not refused(["2021-01-04", "2021-02-01", "2021-03-01"])
    assert not refused(["20210104", "20210201", "20210301", "20220101"])


def test_client_id_exempt_only_where_a_loader_declares_it(tmp_path: Path) -> None:
    bsns = valid_bsns(3, seed=10)
    df = pd.DataFrame({"client_id": bsns, "x": ["a", "b", "c"]})
    assert len(read_table(df, identifiers=("Client ID",))[0]) == 3  # header matched ignoring case and spaces
    with pytest.raises(DataError, match="kolom 'client_id' bevat burgerservicenummers"):
        read_table(df)


def test_embedded_tables_hold_no_bsn_columns() -> None:
    from jeugdlib.data import load_kwb_amsterdam_2017, load_scp_2017, load_wijken

    for loader in (load_scp_2017, load_kwb_amsterdam_2017, lambda: load_wijken(2022)):
        assert len(loader()) > 0  # read through read_table: no column is refused


# --------------------------------------------------------------------------- every loader refuses a BSN column
def _loaders() -> dict[str, tuple[object, list[str], list[list[str]]]]:
    from jeugdlib.did import load_policy_table
    from jeugdlib.multilevel import load_local_wijk_data

    return {
        "policy": (load_policy_table, ["gemeentecode", "jaar_wijkteam"],
                   [["GM0363", "2015"], ["GM0518", "2016"], ["GM0599", ""]]),
        "local": (load_local_wijk_data, ["wijkcode", "jaar", "sociale_cohesie"],
                  [["WK036300", "2017", "6.4"], ["WK036301", "2017", "6.9"], ["WK036302", "2017", "7.2"]]),
        "trajectories": (lambda p: T.read_trajectories(p, as_of="2022-01-01"),
                         ["client_id", "gemeentecode", "aanbieder", "toewijzingnummer", "productcategorie",
                          "productcode", "begindatum", "einddatum"],
                         [["K1", "GM0363", "A", "T1", "45", "x", "2021-01-04", ""],
                          ["K2", "GM0363", "B", "T2", "43", "y", "2021-02-01", "2021-06-30"],
                          ["K3", "GM0518", "A", "T3", "54", "z", "2020-11-15", ""]]),
        "claims": (T.load_claims, ["toewijzingnummer", "periode_start", "periode_eind", "volume", "eenheid",
                                   "tarief", "bedrag"],
                   [["T1", "2021-01-01", "2021-01-31", "1", "04", "10", "10"],
                    ["T2", "2021-01-01", "2021-01-31", "2", "04", "10", "20"],
                    ["T3", "2021-02-01", "2021-02-28", "1", "04", "10", "10"]]),
    }  # fmt: skip


@pytest.mark.parametrize("style", ["plain", "dash", "dots", "spaces", "underscores"])
@pytest.mark.parametrize("name", ["policy", "local", "trajectories", "claims"])
def test_every_loader_refuses_a_bsn_column(name: str, style: str, tmp_path: Path) -> None:
    load, header, rows = _loaders()[name]
    p = _csv(tmp_path, header, rows)
    assert len(getattr(load(p), "table", load(p))) == 3  # the base table loads
    bsns = [fmt(b, style) for b in valid_bsns(3, seed=11)]
    p = _csv(tmp_path, [*header, "BSN"], [[*r, f'"{b}"'] for r, b in zip(rows, bsns)], "met_bsn.csv")
    with pytest.raises(DataError) as info:
        load(p)
    msg = str(info.value)
    assert "met_bsn.csv" in msg and "kolom 'BSN' bevat burgerservicenummers" in msg
    assert not any(re.sub(r"\D", "", b)[-7:] in re.sub(r"\D", "", msg) for b in bsns)


def test_trajectory_client_id_bsns_in_any_format_refused_without_key() -> None:
    load, header, rows = _loaders()["trajectories"]
    b = valid_bsns(1, seed=12)[0]
    for style in ("plain", "dash", "dots", "spaces", "underscores"):
        df = pd.DataFrame(rows, columns=header)
        df.loc[1, "client_id"] = fmt(b, style)
        with pytest.raises(DataError, match=r"'client_id': 1 value\(s\) look like a BSN") as info:
            T.load_trajectories(df, as_of="2022-01-01")
        assert b[2:] not in re.sub(r"\D", "", str(info.value))


# --------------------------------------------------------------------------- keyed pseudonymisation
@pytest.fixture
def no_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(T._pseudonym.KEY_ENV, raising=False)
    monkeypatch.delenv(T._pseudonym.KEY_FILE_ENV, raising=False)


def test_new_key_file_private_exclusive_and_random(tmp_path: Path, no_key_env: None) -> None:
    p = T.new_pseudonym_key(tmp_path / "sleutel.key")
    assert stat.S_IMODE(p.stat().st_mode) == 0o600
    text = p.read_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", text)
    assert T.new_pseudonym_key(tmp_path / "ander.key").read_text() != p.read_text()
    with pytest.raises(DataError, match="exists already"):
        T.new_pseudonym_key(p)
    target = tmp_path / "doel.txt"
    target.write_text("niet overschrijven")
    (tmp_path / "link.key").symlink_to(target)
    with pytest.raises(DataError, match="exists already"):
        T.new_pseudonym_key(tmp_path / "link.key")
    assert target.read_text() == "niet overschrijven"
    with pytest.raises(DataError, match="cannot be created"):
        T.new_pseudonym_key(tmp_path / "geen_map" / "k.key")
    key = T.load_pseudonym_key(p)
    assert text not in repr(key) and text not in str(key) and key.fingerprint in repr(key)


def test_pseudonyms_are_hmac_sha256_and_formats_map_to_one_pseudonym(tmp_path: Path, no_key_env: None) -> None:
    p = T.new_pseudonym_key(tmp_path / "k.key")
    secret = bytes.fromhex(p.read_text().strip())
    b8 = valid_bsns(1, seed=13, eight=True)[0]
    variants = [b8, "0" + b8, f"{b8[:3]}-{b8[3:5]}-{b8[5:]}", fmt(b8, "dots"), int(b8), float(b8)]
    out = T.pseudonymise(variants, p)
    expected = "P" + hmac.new(secret, b"bsn:0" + b8.encode(), hashlib.sha256).hexdigest()[:32]
    assert set(out) == {expected}
    other = T.pseudonymise(["K0001", None], p)
    assert other[0] == "P" + hmac.new(secret, b"id:K0001", hashlib.sha256).hexdigest()[:32] and other[1] is None
    q = T.new_pseudonym_key(tmp_path / "k2.key")
    assert T.pseudonymise([b8], q)[0] != expected  # another key: unrelated pseudonyms


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("00" * 15, "120 bits"),  # too short
        ("ab" * 32, "not random"),  # one repeated byte
        ("0102" * 16, "not random"),  # a repeated pattern
        ("000102030405060708090a0b0c0d0e0f", "not random"),  # a sequence
        (" " * 40, "not a key written as hex"),  # all spaces
        ("correct horse battery staple", "not a key written as hex"),  # a pass phrase
        ("Welkom01Welkom02Welkom03", "not a key written as hex"),  # a phrase that reads as base64 (review)
        ("jeugdzorgDenHaagGeheim2024", "not a key written as hex"),
        ("0102030405060708090a0b0c0d0e0f11", "not random"),  # a near-sequence (review)
        ("6a657567647a6f7267446e48616167476568", "not random"),  # a phrase written as hex
    ],
)
def test_weak_keys_refused(text: str, why: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(T._pseudonym.KEY_FILE_ENV, raising=False)
    monkeypatch.setenv(T._pseudonym.KEY_ENV, text)
    with pytest.raises(DataError, match=why):
        T.load_pseudonym_key()
    p = tmp_path / "zwak.key"
    p.write_text(text)
    with pytest.raises(DataError, match=why):
        T.load_pseudonym_key(p)
    with pytest.raises(DataError, match="bits|not random"):
        T.PseudonymKey.from_bytes(b"\x00" * 32)


def test_key_from_environment(monkeypatch: pytest.MonkeyPatch, no_key_env: None) -> None:
    secret = os.urandom(32)
    monkeypatch.setenv(T._pseudonym.KEY_ENV, secret.hex())
    assert T.pseudonymise(["K1"])[0] == "P" + hmac.new(secret, b"id:K1", hashlib.sha256).hexdigest()[:32]
    import base64

    monkeypatch.setenv(T._pseudonym.KEY_ENV, base64.b64encode(secret).decode())
    with pytest.raises(DataError, match="base64 is not accepted"):  # a phrase reads as base64 too
        T.load_pseudonym_key()
    monkeypatch.delenv(T._pseudonym.KEY_ENV)
    with pytest.raises(DataError, match="no pseudonym key"):
        T.pseudonymise(["K1"])


def test_read_trajectories_links_formats_of_one_client(tmp_path: Path, no_key_env: None) -> None:
    load, header, rows = _loaders()["trajectories"]
    b8 = valid_bsns(1, seed=14, eight=True)[0]
    df = pd.DataFrame(rows, columns=header)
    df["client_id"] = [b8, f"{b8[:3]}-{b8[3:5]}-{b8[5:]}", "0" + b8]
    key = T.new_pseudonym_key(tmp_path / "k.key")
    loaded = T.read_trajectories(df, as_of="2022-01-01", pseudonymise_bsn=True, pseudonym_key=key)
    assert loaded.table["client_id"].nunique() == 1
    assert loaded.report.n_bsn_pseudonymised == 3
    assert any(T.load_pseudonym_key(key).fingerprint in n for n in loaded.report.notes)
    assert b8 not in loaded.report.summary() and b8 not in repr(loaded)


def test_salt_gives_a_migration_message() -> None:
    with pytest.raises(DataError, match="salt= is no longer accepted.*HMAC-SHA-256.*pseudonym_key="):
        T.read_trajectories(pd.DataFrame(), pseudonymise_bsn=True, salt="geheim")


# --------------------------------------------------------------------------- a BSN in a wrong cell: never echoed
_CELLS = {
    "policy": ["gemeentecode", "jaar_wijkteam"],
    "local": ["wijkcode", "jaar"],
    "trajectories": ["gemeentecode", "productcategorie", "begindatum", "einddatum"],
    "claims": ["periode_start", "eenheid"],
}  # (a number column takes a 9-digit number as a number: one such cell is not a BSN column)


@pytest.mark.parametrize("style", ["plain", "dash", "dots", "spaces", "prefix", "padded"])
@pytest.mark.parametrize(("name", "column"), [(n, c) for n, cols in _CELLS.items() for c in cols])
def test_a_bsn_in_a_wrong_cell_is_refused_unechoed(name: str, column: str, style: str, tmp_path: Path) -> None:
    load, header, rows = _loaders()[name]
    b = valid_bsns(1, seed=15)[0]
    rows = [list(r) for r in rows]
    rows[1][header.index(column)] = f'"{fmt(b, style)}"'
    p = _csv(tmp_path, header, rows)
    with pytest.raises(DataError) as info:
        load(p)
    msg = str(info.value)
    assert f"'{column}'" in msg and "invoer.csv" in msg
    assert b[2:] not in re.sub(r"\D", "", msg), msg  # not even the digits with separators removed

"""File and batch safety (issue 11): atomic writes, symlinked temp names, signed files, leftovers, killed parents."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from jeugdlib import _files
from jeugdlib.errors import DataError


def _victim(tmp_path: Path) -> tuple[Path, int, bytes]:
    """A file outside the folder under attack; returns it with its mtime and content."""
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    victim = outside / "victim.txt"
    victim.write_bytes(b"do not touch")
    old = time.time() - 1000
    os.utime(victim, (old, old))
    return victim, victim.stat().st_mtime_ns, victim.read_bytes()


def _untouched(victim: Path, mtime: int, content: bytes) -> bool:
    return victim.read_bytes() == content and victim.stat().st_mtime_ns == mtime


# --------------------------------------------------------------------------- atomic writes
def test_atomic_write_replaces_a_planted_symlink_not_its_target(tmp_path: Path) -> None:
    victim, mtime, content = _victim(tmp_path)
    folder = tmp_path / "pub"
    folder.mkdir()
    target = folder / "index.html"
    target.symlink_to(victim)
    # and links at every name a naive writer would use for its temporary file
    for name in ("index.tmp", "index.html.tmp", ".index.html.tmp"):
        (folder / name).symlink_to(victim)
    _files.atomic_write(target, "<html>nieuw</html>")
    assert not target.is_symlink() and target.read_text() == "<html>nieuw</html>"
    assert _untouched(victim, mtime, content)
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)
    # no temporary file left behind besides the planted links
    assert sorted(p.name for p in folder.iterdir()) == [".index.html.tmp", "index.html", "index.html.tmp", "index.tmp"]


def test_atomic_write_bytes_and_mode(tmp_path: Path) -> None:
    p = _files.atomic_write(tmp_path / "a.bin", b"\x00\x01", mode=0o600)
    assert p.read_bytes() == b"\x00\x01" and (p.stat().st_mode & 0o777) == 0o600
    _files.atomic_write(p, "é", encoding="cp1252")
    assert p.read_bytes() == b"\xe9"


def test_atomic_open_failure_keeps_old_file_and_cleans_temp(tmp_path: Path) -> None:
    p = tmp_path / "t.csv"
    p.write_text("oud")
    with pytest.raises(RuntimeError, match="halverwege"), _files.atomic_open(p) as fh:
        fh.write(b"half")
        raise RuntimeError("halverwege")
    assert p.read_text() == "oud"
    assert [q.name for q in tmp_path.iterdir()] == ["t.csv"]


def test_file_digest_matches_hashlib(tmp_path: Path) -> None:
    import hashlib

    p = tmp_path / "x"
    p.write_bytes(os.urandom(3_000_000))
    assert _files.file_digest(p) == hashlib.sha256(p.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- folders
def test_private_tempdir_is_0700_outside_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    d = _files.private_tempdir("jeugdlib-test-")
    try:
        assert d.is_dir() and (d.stat().st_mode & 0o777) == 0o700
        assert not d.resolve().is_relative_to(tmp_path.resolve())
        assert d.name.startswith("jeugdlib-test-")
    finally:
        _files.remove_tree(d)
    assert not d.exists()


def test_remove_tree_does_not_follow_symlinks(tmp_path: Path) -> None:
    victim, mtime, content = _victim(tmp_path)
    d = tmp_path / "d"
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "link").symlink_to(victim.parent)
    link = tmp_path / "toplink"
    link.symlink_to(victim.parent, target_is_directory=True)
    _files.remove_tree(d)
    _files.remove_tree(link)
    _files.remove_tree(tmp_path / "missing")
    assert not d.exists() and not link.is_symlink()
    assert _untouched(victim, mtime, content)


def test_work_dir_name_and_mode(tmp_path: Path) -> None:
    d = _files.work_dir(tmp_path, "JZ24")
    assert d.parent == tmp_path and d.name.startswith(f".JZ24-{os.getpid()}-")
    assert (d.stat().st_mode & 0o777) == 0o700
    with pytest.raises(ValueError, match="letters"):
        _files.work_dir(tmp_path, "../x")


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_clean_leftovers_only_our_dead_real_directories(tmp_path: Path) -> None:
    victim, mtime, content = _victim(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    dead = _dead_pid()
    stale = out / f".JZ24-{dead}-abc123"
    (stale / "tabellen").mkdir(parents=True)
    (stale / "tabellen" / "x.csv").write_text("1")
    old = out / f".JZ24.old-{dead}-q_9"
    old.mkdir()
    live = out / f".JZ38-{os.getpid()}-zzz"  # this process is alive: keep
    live.mkdir()
    planted = out / f".JZ01-{dead}-evil"  # a symlink with our name: never followed, left alone
    planted.symlink_to(victim.parent, target_is_directory=True)
    foreign = out / f".cache-{dead}-abc"  # not our pattern
    foreign.mkdir()
    user = out / "JZ24"  # a published report
    user.mkdir()
    removed = _files.clean_leftovers(out, r"JZ\d{2}(?:\.old)?")
    assert removed == sorted([stale.name, old.name])
    assert not stale.exists() and not old.exists()
    assert live.is_dir() and planted.is_symlink() and foreign.is_dir() and user.is_dir()
    assert _untouched(victim, mtime, content) and victim.parent.is_dir()
    assert _files.clean_leftovers(tmp_path / "missing", "JZ\\d{2}") == []


def test_check_writable_probe_is_exclusive(tmp_path: Path) -> None:
    victim, mtime, content = _victim(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / f".write-test-{os.getpid()}").symlink_to(victim)  # the former fixed probe name
    assert _files.check_writable(out) == out
    assert _untouched(victim, mtime, content)
    assert sorted(p.name for p in out.iterdir()) == [f".write-test-{os.getpid()}"]
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(DataError, match=r"output folder .*file/sub is not writable .*--out"):
        _files.check_writable(f / "sub", hint="choose another --out.")


# --------------------------------------------------------------------------- signed files
def test_signed_roundtrip_and_refusals(tmp_path: Path) -> None:
    key = os.urandom(32)
    p = _files.write_signed(tmp_path / "m.bin", b"payload", key)
    assert (p.stat().st_mode & 0o777) == 0o600
    assert _files.read_signed(p, key) == b"payload"
    with pytest.raises(DataError, match="handtekening klopt niet"):
        _files.read_signed(p, os.urandom(32))
    with pytest.raises(DataError, match="handtekening klopt niet"):
        _files.read_signed(p, None)
    blob = bytearray(p.read_bytes())
    blob[-1] ^= 1  # one bit of the payload changed
    p.write_bytes(bytes(blob))
    with pytest.raises(DataError, match="handtekening klopt niet"):
        _files.read_signed(p, key)
    raw = tmp_path / "raw.pkl"
    raw.write_bytes(b"\x80\x05N.")
    with pytest.raises(DataError, match=r"modelbestand raw.pkl is geweigerd.*geen handtekening"):
        _files.read_signed(raw, key, what="modelbestand")
    with pytest.raises(DataError, match="niet te lezen"):
        _files.read_signed(tmp_path / "missing", key)
    with pytest.raises(ValueError, match="128 bits"):
        _files.write_signed(tmp_path / "x", b"", b"short")


# --------------------------------------------------------------------------- killed parent
_PARENT = textwrap.dedent(
    """
    import os, subprocess, sys, time
    from jeugdlib import _files
    child = (
        "import os, sys, time\\n"
        "from jeugdlib._files import die_with_parent\\n"
        "die_with_parent()\\n"
        "open(sys.argv[1], 'w').write(str(os.getpid()))\\n"
        "time.sleep(120)\\n"
    )
    env = {**os.environ, _files.PARENT_ENV: str(os.getpid())}
    subprocess.Popen([sys.executable, "-c", child, sys.argv[1]], env=env)
    time.sleep(120)
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_sigkill_of_parent_ends_child(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", _PARENT, str(pidfile)])
    try:
        deadline = time.time() + 60
        while not (pidfile.exists() and pidfile.read_text()):
            assert time.time() < deadline, "child did not start"
            assert parent.poll() is None, "parent ended early"
            time.sleep(0.05)
        child = int(pidfile.read_text())
        assert _files._pid_alive(child)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.time() + 10
        while _files._pid_alive(child) and time.time() < deadline:
            time.sleep(0.05)
        # a zombie (reaped by init shortly) counts as ended: check /proc state too
        state = Path(f"/proc/{child}/stat")
        gone = not _files._pid_alive(child) or (state.exists() and state.read_text().split()[2] == "Z")
        assert gone, "child survived the SIGKILL of its parent"
    finally:
        if parent.poll() is None:
            parent.kill()


def test_die_with_parent_exits_when_parent_already_gone() -> None:
    """Run in a subprocess: prctl must not be applied to the test runner itself."""
    code = (
        "import os\nfrom jeugdlib import _files\n_files.die_with_parent()\n"
        "print('alive', _files.PARENT_ENV in os.environ)\n"
    )
    env = {**os.environ, _files.PARENT_ENV: str(_dead_pid())}
    gone = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert gone.returncode == 3 and "alive" not in gone.stdout
    env[_files.PARENT_ENV] = str(os.getpid())  # the right parent: keeps running, variable not passed on
    ok = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and ok.stdout.strip() == "alive False"
    env.pop(_files.PARENT_ENV)  # no batch parent: nothing happens
    plain = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert plain.returncode == 0 and plain.stdout.strip() == "alive False"


# --------------------------------------------------------------------------- reports: models, CLI flags, publishing
class _Evil:
    """A pickle that, when loaded, creates a marker file (proves code execution)."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "pwned"))


def test_models_load_never_unpickles_an_unsigned_or_forged_file(tmp_path: Path) -> None:
    import pickle

    from jeugdlib import reports

    marker = tmp_path / "PWNED"
    evil = tmp_path / "out" / ".cache" / "national_models_2022.pkl"
    evil.parent.mkdir(parents=True)
    evil.write_bytes(pickle.dumps(_Evil(marker)))
    with pytest.raises(DataError, match="geen handtekening"):
        reports.NationalModels.load(evil)
    # a forger who knows the format but not the key
    forged = _files.write_signed(tmp_path / "forged.pkl", pickle.dumps(_Evil(marker)), os.urandom(32))
    with pytest.raises(DataError, match="handtekening klopt niet"):
        reports.NationalModels.load(forged)
    with pytest.raises(DataError, match="handtekening klopt niet"):
        reports.NationalModels.load(forged, key=os.urandom(32))
    assert not marker.exists()
    # the genuine article round-trips under its key
    key = os.urandom(32)
    good = reports.NationalModels(None, None, 2021).save(tmp_path / "good.pkl", key=key)
    assert reports.NationalModels.load(good, key).year == 2021
    assert (good.stat().st_mode & 0o777) == 0o600
    signed_other = _files.write_signed(tmp_path / "list.pkl", pickle.dumps([1, 2]), key)
    with pytest.raises(DataError, match="geen jeugdlib NationalModels"):
        reports.NationalModels.load(signed_other, key)


@pytest.mark.parametrize("mode", [["--region", "JZ24"], ["--all", "--regions", "JZ24"]])
@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--policy", "bestaat-niet.csv"], "--policy: het bestand bestaat-niet.csv bestaat niet"),
        (["--local-data", "geen.csv"], "--local-data: het bestand geen.csv bestaat niet"),
        (["--trajectories", "weg.csv"], "--trajectories: het bestand weg.csv bestaat niet"),
        (["--trajectories", "{tmp}"], "is een map, geen bestand"),
        (["--claims", "{file}"], "--claims hoort bij --trajectories"),
        (["--trajectories", "{file}", "--claims", "ook-weg.csv"], "--claims: het bestand ook-weg.csv bestaat niet"),
    ],
)
def test_report_flags_refused_before_anything_runs(tmp_path, capsys, monkeypatch, mode, flags, message) -> None:
    from jeugdlib import reports
    from jeugdlib.cli import main as cli_main

    def never(*a, **k):
        raise AssertionError("work started although a flag was refused")

    monkeypatch.setattr(reports, "fit_national_models", never)
    monkeypatch.setattr(reports, "validate_user_inputs", never)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.csv").write_text("x\n1\n")
    flags = [f.format(tmp=tmp_path, file=tmp_path / "t.csv") for f in flags]
    out = tmp_path / "rep"
    assert cli_main(["report", *mode, "--out", str(out), *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fout in de invoer: ") and message in err, err
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--all", "--region", "JZ24"], "niet allebei"),
        (["--regions", "JZ24"], "--regions hoort bij --all"),
        ([], "geef --region"),
    ],
)
def test_report_flag_combinations_refused(tmp_path, capsys, args, message) -> None:
    from jeugdlib.cli import main as cli_main

    assert cli_main(["report", *args, "--out", str(tmp_path / "rep")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "rep").exists()


def test_library_refuses_missing_user_file_and_lone_claims(tmp_path: Path) -> None:
    from jeugdlib import reports

    with pytest.raises(DataError, match=r"--policy .*nope.csv: does not exist"):
        reports.render_region("JZ24", tmp_path / "rep", policy_path=str(tmp_path / "nope.csv"))
    (tmp_path / "c.csv").write_text("x\n")
    with pytest.raises(DataError, match="--claims needs --trajectories"):
        reports.render_all(tmp_path / "rep", regions=["JZ24"], claims_path=str(tmp_path / "c.csv"))
    assert not (tmp_path / "rep").exists()


def test_publish_swap_never_follows_planted_links(tmp_path: Path) -> None:
    from jeugdlib import reports

    victim, mtime, content = _victim(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    for name in (".JZ24.old", ".JZ24.old.tmp", "JZ24.old"):
        (out / name).symlink_to(victim.parent, target_is_directory=True)
    final = out / "JZ24"
    final.mkdir()
    (final / "rapport.html").write_text("oud")
    work = _files.work_dir(out, "JZ24")
    (work / "rapport.html").write_text("nieuw")
    reports._publish(work, final, "JZ24")
    assert (final / "rapport.html").read_text() == "nieuw" and (final.stat().st_mode & 0o777) == 0o755
    assert sorted(p.name for p in out.iterdir()) == [".JZ24.old", ".JZ24.old.tmp", "JZ24", "JZ24.old"]
    # a symlink planted where the report goes is replaced, its target left alone
    final2 = out / "JZ38"
    final2.symlink_to(victim.parent, target_is_directory=True)
    work2 = _files.work_dir(out, "JZ38")
    (work2 / "rapport.html").write_text("x")
    reports._publish(work2, final2, "JZ38")
    assert not final2.is_symlink() and (final2 / "rapport.html").read_text() == "x"
    assert _untouched(victim, mtime, content) and sorted(p.name for p in victim.parent.iterdir()) == ["victim.txt"]


def test_write_index_through_planted_links(tmp_path: Path) -> None:
    from jeugdlib import reports

    victim, mtime, content = _victim(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    for name in ("index.html", "index.tmp", ".index.html.tmp"):
        (out / name).symlink_to(victim)
    from jeugdlib import _batch

    (out / "logboek").symlink_to(tmp_path)  # a planted folder link: replaced by a real folder, never followed
    (out / ".jeugdlib.lock").symlink_to(victim)
    with _batch.out_lock(out):
        _batch.record_status(out, "JZ24", {"status": "failed", "error_type": "X", "error": "<script>"})
    reports.write_index(out)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert not (out / "index.html").is_symlink() and "&lt;script&gt;" in page
    assert (out / "logboek").is_dir() and not (out / "logboek").is_symlink() and not (tmp_path / "JZ24.json").exists()
    assert _untouched(victim, mtime, content)


def test_audit_dir_inside_output_is_refused(tmp_path: Path) -> None:
    from jeugdlib import reports

    out = tmp_path / "out"
    with pytest.raises(DataError, match="--audit-dir .* must stay private"):
        reports.render_region("JZ24", out, audit_dir=out / "audit")
    with pytest.raises(DataError, match="--audit-dir .* must stay private"):
        reports.render_all(out, regions=["JZ24"], audit_dir=tmp_path)
    assert not out.exists()  # refused before anything was written
    assert reports._audit_folder(tmp_path / "priv", out.resolve()) == (tmp_path / "priv").resolve()
    assert ((tmp_path / "priv").stat().st_mode & 0o777) == 0o700

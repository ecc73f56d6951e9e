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

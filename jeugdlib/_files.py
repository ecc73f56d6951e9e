"""Safe file handling for everything jeugdlib writes: atomic writes, private temp dirs, signed files.

The report batch writes into folders that other people may be able to write to
(a shared drive, a web root). Everything here assumes that an outsider can plant
files and symbolic links in such a folder and makes that harmless:

* :func:`atomic_write` / :func:`atomic_open` create their temporary file
  exclusively (:func:`tempfile.mkstemp`: ``O_CREAT | O_EXCL``, a random name,
  mode 0600), write through that file descriptor, ``fsync`` it and move it into
  place with :func:`os.replace`. A symlink planted at the target name is replaced
  (the link itself, not what it points to); nothing is ever opened by a
  predictable name.
* :func:`private_tempdir` makes a mode-0700 directory in the system temporary
  folder, away from the publication folder; :func:`work_dir` makes a mode-0700
  directory *inside* a folder (needed for an atomic rename into place) with a
  name that carries the creating process id, so that :func:`clean_leftovers`
  can remove what a killed run left behind — only our own names, only real
  directories owned by us whose process is gone, never through a symlink.
* :func:`write_signed` / :func:`read_signed` put an HMAC-SHA256 tag in front of
  a payload and check it *before* the payload is used, so a file an outsider
  wrote (for instance a pickle) is refused without being parsed.
* :func:`die_with_parent` lets a worker process end when the batch process that
  started it is killed (``PR_SET_PDEATHSIG`` on Linux).

No function here does anything at import time.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from jeugdlib.errors import DataError

__all__ = [
    "PARENT_ENV",
    "SIGNATURE_MAGIC",
    "atomic_open",
    "atomic_write",
    "check_writable",
    "clean_leftovers",
    "die_with_parent",
    "file_digest",
    "private_tempdir",
    "read_signed",
    "remove_tree",
    "work_dir",
    "write_signed",
]

#: Environment variable through which a batch tells a worker its own process id
#: (see :func:`die_with_parent`).
PARENT_ENV = "JEUGDLIB_BATCH_PARENT_PID"

#: First line of a file written by :func:`write_signed`.
SIGNATURE_MAGIC = b"JEUGDLIB-SIGNED-1\n"

_TAG_LEN = 64  # hex characters of an HMAC-SHA256 tag


# --------------------------------------------------------------------------- atomic writes
def _fsync_dir(folder: Path) -> None:
    """Flush a directory entry to disk (best effort: not every file system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], *, mode: int = 0o644) -> Iterator[IO[bytes]]:
    """Open a binary file that replaces ``path`` atomically when the ``with`` block succeeds.

    The data go to a temporary file created exclusively (``mkstemp``) in the same
    folder; on success it is flushed, ``fsync``-ed, given ``mode`` and moved onto
    ``path`` with :func:`os.replace` (which replaces a symlink at ``path`` itself,
    never its target). On any error the temporary file is removed and ``path`` is
    left as it was.

    Parameters
    ----------
    path : path-like
        Final location; its folder must exist.
    mode : int
        Permission bits of the final file (default ``0o644``: readable by all, as a
        published file should be; use ``0o600`` for private files).

    Yields
    ------
    binary file object
        Write to it; do not close it yourself.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            if hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), mode)
            os.fsync(fh.fileno())
        if not hasattr(os, "fchmod"):  # pragma: no cover - Windows
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)


def atomic_write(
    path: str | os.PathLike[str], data: bytes | str, *, encoding: str = "utf-8", mode: int = 0o644
) -> Path:
    """Write ``data`` to ``path`` atomically, never through a symlink (see :func:`atomic_open`).

    Parameters
    ----------
    path : path-like
        Final location; its folder must exist.
    data : bytes or str
        Content; text is encoded with ``encoding``.
    encoding : str
        Encoding of text data.
    mode : int
        Permission bits of the final file.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    blob = data.encode(encoding) if isinstance(data, str) else bytes(data)
    with atomic_open(path, mode=mode) as fh:
        fh.write(blob)
    return Path(path)


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's content (hex), read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------- folders
def private_tempdir(prefix: str = "jeugdlib-") -> Path:
    """A new directory of mode 0700 in the system temporary folder, for files nobody else may touch.

    The caller owns it and removes it (:func:`remove_tree`). It lives outside any
    publication folder (``$TMPDIR``, ``/tmp``), so nothing in it is ever published.

    Parameters
    ----------
    prefix : str
        Start of the directory name.

    Returns
    -------
    pathlib.Path
    """
    path = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(path, 0o700)  # mkdtemp already uses 0700; this makes it independent of that detail
    return path


def work_dir(parent: str | os.PathLike[str], tag: str) -> Path:
    """A new mode-0700 directory ``.<tag>-<pid>-<random>`` inside ``parent``.

    Used for a report that is built next to its final place and renamed into it
    when complete. The process id in the name lets :func:`clean_leftovers` tell a
    folder of a killed run from one that is still in use.

    Parameters
    ----------
    parent : path-like
        Existing folder.
    tag : str
        Letters, digits, ``.`` or ``_`` only (e.g. ``JZ24`` or ``JZ24.old``).

    Returns
    -------
    pathlib.Path
    """
    if not re.fullmatch(r"[A-Za-z0-9_.]+", tag):
        raise ValueError(f"work_dir: tag {tag!r} must be letters, digits, '.' or '_'")
    return Path(tempfile.mkdtemp(prefix=f".{tag}-{os.getpid()}-", dir=parent))


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_tree(path: str | os.PathLike[str]) -> None:
    """Remove a directory tree without following symlinks; a symlink is removed itself.

    :func:`shutil.rmtree` on Linux works through directory file descriptors and
    does not follow symlinks inside the tree; the top level is checked here with
    :func:`os.lstat`. A missing path is not an error.
    """
    p = Path(path)
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(p)
    else:
        p.unlink()


def clean_leftovers(folder: str | os.PathLike[str], tags: str) -> list[str]:
    """Remove the work folders (:func:`work_dir`) that a killed run left in ``folder``.

    An entry is removed only if all of these hold: its name is
    ``.<tag>-<pid>-<random>`` with ``<tag>`` matching the regular expression
    ``tags``; it is a real directory (not a symlink, checked with ``lstat``) owned
    by the current user; and process ``<pid>`` no longer runs (a live process,
    this one included, keeps its folder).

    Parameters
    ----------
    folder : path-like
        The folder to clean; nothing happens if it does not exist.
    tags : str
        Regular expression for the tag, e.g. ``r"JZ\\d{2}(\\.old)?"``.

    Returns
    -------
    list of str
        Names removed.
    """
    base = Path(folder)
    if not base.is_dir():
        return []
    pattern = re.compile(rf"\.(?:{tags})-(?P<pid>\d+)-[A-Za-z0-9_]+")
    uid = os.getuid() if hasattr(os, "getuid") else None
    removed: list[str] = []
    for entry in os.scandir(base):
        m = pattern.fullmatch(entry.name)
        if not m:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue
        if not stat.S_ISDIR(st.st_mode) or (uid is not None and st.st_uid != uid):
            continue
        pid = int(m.group("pid"))
        if _pid_alive(pid):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(entry.name)
    return sorted(removed)


def check_writable(folder: str | os.PathLike[str], *, what: str = "output folder", hint: str = "") -> Path:
    """Create ``folder`` if needed and prove it is writable with an exclusively created probe file.

    Raises
    ------
    DataError
        The folder cannot be created or written, naming it and ``hint`` (what to do).
    """
    p = Path(folder)
    try:
        p.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=p)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DataError(f"{what} {p} is not writable ({reason}); {hint or 'choose another folder.'}") from exc
    return p


# --------------------------------------------------------------------------- signed files
def _tag(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).hexdigest().encode("ascii")


def write_signed(path: str | os.PathLike[str], payload: bytes, key: bytes, *, mode: int = 0o600) -> Path:
    """Write ``payload`` with an HMAC-SHA256 tag in front (atomically, mode 0600 by default).

    Format: :data:`SIGNATURE_MAGIC`, 64 hex characters of the tag, a newline, the payload.

    Parameters
    ----------
    path : path-like
        Final location.
    payload : bytes
        The content to protect.
    key : bytes
        Secret key of at least 16 bytes.
    mode : int
        Permission bits.
    """
    if len(key) < 16:
        raise ValueError("write_signed: the key must be at least 16 bytes (128 bits)")
    return atomic_write(path, SIGNATURE_MAGIC + _tag(key, payload) + b"\n" + payload, mode=mode)


def read_signed(path: str | os.PathLike[str], key: bytes | None, *, what: str = "bestand") -> bytes:
    """Return the payload of a file written by :func:`write_signed`, after checking its tag.

    The tag is compared in constant time (:func:`hmac.compare_digest`) before the
    payload is returned, so a forged or altered file is never parsed.

    Parameters
    ----------
    path : path-like
        The file.
    key : bytes or None
        The key it was signed with; ``None`` (no key known) refuses every file.
    what : str
        Dutch name of the file for the message (e.g. ``"modelbestand"``).

    Raises
    ------
    DataError
        The file is missing, unreadable, not signed, signed with another key or altered
        (Dutch message naming the file).
    """
    p = Path(path)
    try:
        blob = p.read_bytes()
    except OSError as exc:
        raise DataError(f"{what} {p.name} is niet te lezen ({exc.strerror or type(exc).__name__}).") from exc
    head = len(SIGNATURE_MAGIC)
    if not blob.startswith(SIGNATURE_MAGIC) or blob[head + _TAG_LEN : head + _TAG_LEN + 1] != b"\n":
        raise DataError(
            f"{what} {p.name} is geweigerd: het is niet door deze jeugdlib-batch geschreven (geen handtekening). "
            "Een bestand van buiten wordt nooit geladen; laat de batch de modellen zelf schatten."
        )
    tag, payload = blob[head : head + _TAG_LEN], blob[head + _TAG_LEN + 1 :]
    if key is None or not hmac.compare_digest(tag, _tag(key, payload)):
        raise DataError(
            f"{what} {p.name} is geweigerd: de handtekening klopt niet (ander proces, andere sleutel of gewijzigd). "
            "Een bestand van buiten wordt nooit geladen; laat de batch de modellen zelf schatten."
        )
    return payload


# --------------------------------------------------------------------------- processes
def die_with_parent() -> None:
    """End this process when the batch process that started it dies (Linux; elsewhere a no-op).

    A batch starts its workers with :data:`PARENT_ENV` set to its own process id.
    The worker asks the kernel for ``SIGTERM`` when its parent dies
    (``prctl(PR_SET_PDEATHSIG)``) and exits at once if the parent is already gone
    (the race between fork and this call). Without :data:`PARENT_ENV` nothing
    happens. Install a ``SIGTERM`` handler that raises :class:`SystemExit` if the
    worker must clean up (see :func:`jeugdlib.reports._main`).
    """
    expected = os.environ.pop(PARENT_ENV, None)  # not inherited further (the notebook kernel)
    if not expected or not expected.isdigit():
        return
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        if libc.prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0) != 0:  # pragma: no cover
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err or errno.EINVAL))
    if os.getppid() != int(expected):
        raise SystemExit(3)  # the batch is already gone

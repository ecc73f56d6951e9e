"""Keyed pseudonymisation of client identifiers (HMAC-SHA-256 with a secret key).

This is **pseudonymisation, not anonymisation**: whoever holds the key can link a
pseudonym back to a BSN by computing the pseudonyms of all valid BSNs (about 90
million: seconds). Pseudonymised data therefore stay personal data under the AVG/GDPR
(recital 26): keep the key apart from the data, share neither with the readers of a
report, and publish only protected aggregates (:func:`jeugdlib.disclosure.protect`).

Why a key and not a salt: a salted hash with a known or guessable salt is inverted by
hashing every valid BSN (all of them in under two minutes on one core). With HMAC and a
random key of at least 128 bits, nobody without the key can compute a single pseudonym,
so the list of pseudonyms reveals nothing.

The key is read from a file or an environment variable, never from the command line
(the process list and the shell history would show it):

* ``JEUGDLIB_PSEUDONIEM_SLEUTEL``: the key itself (hex text, at least 32 hex digits), or
* ``JEUGDLIB_PSEUDONIEM_SLEUTELBESTAND``: the path of a key file,

or a key file passed to :func:`load_pseudonym_key`. :func:`new_pseudonym_key` writes a
fresh random 256-bit key to a new file that only its owner can read. Use the same key
for every extract you want to link; a new key gives unrelated pseudonyms.

BSNs are normalised to their 9 digits before keying, so ``123-45-678``,
``012345678`` and the integer ``12345678`` get the same pseudonym. A pseudonym is
``"P"`` followed by 32 hex digits (the first 128 bits of the HMAC).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError
from jeugdlib.io.identifiers import normalise_bsn

__all__ = [
    "KEY_ENV",
    "KEY_FILE_ENV",
    "PseudonymKey",
    "load_pseudonym_key",
    "new_pseudonym_key",
    "pseudonymise",
]

#: Environment variable holding the key itself (hex text).
KEY_ENV = "JEUGDLIB_PSEUDONIEM_SLEUTEL"
#: Environment variable holding the path of a key file.
KEY_FILE_ENV = "JEUGDLIB_PSEUDONIEM_SLEUTELBESTAND"
#: Fewest key bytes accepted (128 bits).
MIN_KEY_BYTES = 16
#: Fewest distinct byte values in a key: a random 16-byte key has about 15.5.
_MIN_DISTINCT_BYTES = 8

_HEX = re.compile(r"[0-9a-fA-F]+")
_B64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
_ADVICE = (
    "Create a key with jeugdlib.trajectories.new_pseudonym_key('<file>') and pass that file "
    f"(load_pseudonym_key('<file>')) or set {KEY_FILE_ENV} to its path."
)


@dataclass(frozen=True)
class PseudonymKey:
    """A secret key for :func:`pseudonymise`; its ``repr`` never shows the key.

    Build one with :func:`load_pseudonym_key` (from a file or the environment) or
    :meth:`from_bytes`; the key is checked (at least 128 bits, not constant, not a short
    repeated pattern).
    """

    _secret: bytes = field(repr=False)
    origin: str = "bytes"

    def __post_init__(self) -> None:
        _check_key(self._secret, self.origin)

    @classmethod
    def from_bytes(cls, key: bytes, origin: str = "bytes") -> PseudonymKey:
        """A key from raw bytes (e.g. from a secrets manager)."""
        if not isinstance(key, (bytes, bytearray)):
            raise DataError(f"pseudonym key: expected bytes, got {type(key).__name__}. {_ADVICE}")
        return cls(bytes(key), origin)

    @property
    def fingerprint(self) -> str:
        """A short non-secret identification of the key (8 hex digits), to tell keys apart in logs."""
        return hashlib.sha256(b"jeugdlib-key-fingerprint:" + self._secret).hexdigest()[:8]

    def __repr__(self) -> str:
        return f"PseudonymKey(origin={self.origin!r}, fingerprint={self.fingerprint!r})"

    __str__ = __repr__


def _check_key(key: bytes, origin: str) -> None:
    if len(key) < MIN_KEY_BYTES:
        raise DataError(
            f"pseudonym key from {origin}: {len(key) * 8} bits; at least {MIN_KEY_BYTES * 8} bits of random key are "
            f"needed (a short key can be found by trying them all). {_ADVICE}"
        )
    distinct = len(set(key))
    periodic = any(key == (key[:p] * (len(key) // p + 1))[: len(key)] for p in range(1, 9))
    steps = np.diff(np.frombuffer(key, dtype=np.uint8).astype(np.int64))
    # 00 01 02 ... or abcdef..., also with a slip: most steps equal
    sequence = len(steps) > 0 and np.unique(steps, return_counts=True)[1].max() >= 0.75 * len(steps)
    # a phrase written as hex (every byte a printable ASCII character): random bytes are that with p ~ 1e-7
    text_like = all(32 <= b < 127 for b in key)
    if distinct < _MIN_DISTINCT_BYTES or periodic or sequence or text_like:
        raise DataError(
            f"pseudonym key from {origin}: not random (only {distinct} different byte values, a repeated "
            f"pattern or sequence, or text); such a key can be guessed. {_ADVICE}"
        )


def _decode_key_text(text: str, origin: str) -> bytes:
    """Key text: hex only (as :func:`new_pseudonym_key` writes it); anything else (a password) is refused.

    Base64 is not accepted: any alphanumeric phrase of 22 or more characters decodes as base64
    (``Welkom01Welkom02Welkom03``), so it cannot tell a key from a password.
    """
    t = text.strip()
    if _HEX.fullmatch(t) and len(t) % 2 == 0:
        return bytes.fromhex(t)
    raise DataError(
        f"pseudonym key from {origin}: not a key written as hex text (a password or phrase is not a key: too easy "
        f"to guess; base64 is not accepted because a phrase also reads as base64). {_ADVICE}"
    )


def _read_key_file(path: str | os.PathLike[str]) -> PseudonymKey:
    p = Path(path)
    origin = f"file {p.name}"
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise DataError(f"pseudonym key file {p.name}: not found. {_ADVICE}") from None
    except OSError as exc:
        raise DataError(f"pseudonym key file {p.name}: cannot be read ({exc.strerror}).") from None
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:  # a binary key file: the bytes are the key
        return PseudonymKey(raw, origin)
    return PseudonymKey(_decode_key_text(text, origin), origin)


def load_pseudonym_key(path: str | os.PathLike[str] | None = None) -> PseudonymKey:
    """The secret pseudonymisation key, from a key file or the environment.

    Parameters
    ----------
    path:
        A key file written by :func:`new_pseudonym_key` (hex text; raw binary files of at
        least 16 bytes are read too; base64 is not accepted, see :func:`_decode_key_text`). Default: the file named by
        ``JEUGDLIB_PSEUDONIEM_SLEUTELBESTAND``, else the key text in
        ``JEUGDLIB_PSEUDONIEM_SLEUTEL``.

    Raises
    ------
    DataError
        No key given or set, an unreadable file, a key of fewer than 128 bits, or a key
        that is not random (one repeated byte, all spaces, a short repeated pattern, a
        password or base64 text instead of hex, printable text written as hex).
    """
    if path is not None:
        return _read_key_file(path)
    if os.environ.get(KEY_FILE_ENV):
        return _read_key_file(os.environ[KEY_FILE_ENV])
    if os.environ.get(KEY_ENV):
        return PseudonymKey(_decode_key_text(os.environ[KEY_ENV], f"${KEY_ENV}"), f"${KEY_ENV}")
    raise DataError(f"no pseudonym key: set {KEY_FILE_ENV} (a key file) or {KEY_ENV} (the key). {_ADVICE}")


def new_pseudonym_key(path: str | os.PathLike[str]) -> Path:
    """Write a new random 256-bit key (64 hex digits) to a new file readable by its owner only.

    The file is created exclusively (an existing file or a symbolic link at ``path`` is
    refused, never overwritten) with mode 0600. Keep it apart from the data; losing it
    means new extracts can no longer be linked to old pseudonyms.

    Returns
    -------
    Path
        ``path``.
    """
    p = Path(path)
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        raise DataError(f"{p}: exists already; a key file is never overwritten. Choose a new file name.") from None
    except OSError as exc:  # a missing folder, no permission, a symbolic link (O_NOFOLLOW)
        raise DataError(f"{p}: the key file cannot be created ({exc.strerror}). Choose another path.") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return p


def _resolve_key(key: PseudonymKey | str | os.PathLike[str] | None) -> PseudonymKey:
    if isinstance(key, PseudonymKey):
        return key
    if isinstance(key, (bytes, bytearray)):
        return PseudonymKey.from_bytes(bytes(key))
    if key is None or isinstance(key, (str, os.PathLike)):
        return load_pseudonym_key(key)
    raise DataError(f"pseudonym key: expected a PseudonymKey or a key file path, got {type(key).__name__}. {_ADVICE}")


def _pseudonym(key: bytes, value: str) -> str:
    return "P" + hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def pseudonymise(
    values: pd.Series | Iterable[Any], key: PseudonymKey | str | os.PathLike[str] | None = None
) -> np.ndarray:
    """Replace identifiers by keyed pseudonyms (HMAC-SHA-256): ``"P"`` + 32 hex digits.

    Pseudonymisation, not anonymisation: see the module docstring. BSN-like values (any
    format of :mod:`jeugdlib.io.identifiers`) are keyed on their 9 digits, so
    ``'123-45-678'`` and ``12345678`` map to the same pseudonym; other identifiers are
    keyed on their stripped text (with a different prefix, so they never collide with a
    BSN). Missing values stay missing.

    Parameters
    ----------
    values:
        Identifiers.
    key:
        A :class:`PseudonymKey`, the path of a key file, or ``None`` to read the key from
        the environment (:func:`load_pseudonym_key`).

    Returns
    -------
    ndarray of object
    """
    k = _resolve_key(key)._secret
    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    uniq = np.asarray(uniques, dtype=object)
    bsn = normalise_bsn(pd.Series(uniq, dtype=object))
    mapped = np.empty(len(uniq), dtype=object)
    for i, (u, b) in enumerate(zip(uniq, bsn)):
        if b is not None:
            mapped[i] = _pseudonym(k, "bsn:" + b)
        else:
            text = str(int(u)) if isinstance(u, (float, np.floating)) and float(u).is_integer() else str(u)
            mapped[i] = _pseudonym(k, "id:" + text.strip())
    out = np.full(len(s), None, dtype=object)
    ok = codes >= 0
    out[ok] = mapped[codes[ok]]
    return out

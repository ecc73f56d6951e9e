"""Exception and warning types shared by every jeugdlib module."""

from __future__ import annotations


class DataError(ValueError):
    """A table does not meet jeugdlib's expectations.

    The message always names the source (file or table), the column and the
    offending rows, and says what to do about it. ``source`` and ``column``
    repeat the first two as fields (``None`` where they do not apply), so
    programs need not parse the message.
    """

    def __init__(self, message: str, *, source: str | None = None, column: str | None = None):
        super().__init__(message)
        self.source = None if source is None else str(source)
        self.column = column


class RegionNotFoundError(DataError, LookupError):
    """A jeugdregio name or code that does not exist in the requested year."""

    def __init__(self, message: str, suggestions: list[str] | None = None):
        super().__init__(message)
        self.suggestions = suggestions or []


class OfflineError(DataError, ConnectionError):
    """Live CBS data was requested, the network failed and nothing is cached."""


class JeugdlibWarning(UserWarning):
    """Base warning for recoverable problems (dropped predictors, fallbacks)."""


class ConvergenceWarning(JeugdlibWarning):
    """A model did not converge cleanly; the result says which fallback was used."""


class StaggeredTimingWarning(JeugdlibWarning):
    """Two-way fixed effects used with staggered treatment timing."""

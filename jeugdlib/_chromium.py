"""Headless Chromium over the DevTools protocol on a pipe: PDFs of the reports, and a browser for tests.

One browser is started per batch and prints every report (``Page.printToPDF``), which
is several times faster than starting ``chromium --print-to-pdf`` per region. The
protocol runs over ``--remote-debugging-pipe`` (file descriptors 3 and 4, messages
ending in a NUL byte), so no port is opened and no websocket library is needed.

The browser is kept offline: every host name resolves to nothing and any proxy
points nowhere, so a report can never fetch anything while it is printed; tests
use :attr:`Page.requests` to check that a report does not even try.

Nothing happens at import time; :func:`find_chromium` returns ``None`` when no
Chromium is installed (the batch then writes no PDF and says so).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jeugdlib import _files

__all__ = ["Chromium", "ChromiumError", "Page", "find_chromium"]

#: Environment variable naming the Chromium binary (default: ``chromium``, ``chromium-browser``, ``google-chrome``).
CHROMIUM_ENV = "JEUGDLIB_CHROMIUM"


class ChromiumError(RuntimeError):
    """The browser failed, did not answer in time or reported a protocol error."""


def find_chromium() -> str | None:
    """Path of the Chromium binary to use, or ``None``."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return shutil.which(named) or (named if Path(named).is_file() else None)
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _high_fd(fd: int) -> int:
    """``fd`` duplicated to a number above 9 (the original is closed)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return high


_FLAGS = (
    "--headless",
    "--remote-debugging-pipe",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--disable-quic",
    "--mute-audio",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
    "--allow-file-access-from-files",
)


class Chromium:
    """A headless Chromium driven over a DevTools pipe. Use as a context manager."""

    def __init__(self, executable: str | None = None, *, timeout: float = 60) -> None:
        exe = executable or find_chromium()
        if exe is None:
            raise ChromiumError("Chromium is niet geïnstalleerd (zet het op PATH of in $JEUGDLIB_CHROMIUM).")
        self.executable = exe
        self.timeout = timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._profile: Path | None = None
        self._next_id = 0
        self._lock = threading.Lock()
        self._waiting: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._events: dict[str | None, queue.Queue[dict[str, Any]]] = {}
        self._reader: threading.Thread | None = None
        self._write_fd: int | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> Chromium:
        self._profile = _files.private_tempdir(f".jeugdlib-chromium-{os.getpid()}-")
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # the child ends of the pipes move above fd 9 first, so putting them on 3 and 4 cannot clobber each other
        to_browser_r, from_browser_w = _high_fd(to_browser_r), _high_fd(from_browser_w)
        # the browser reads commands on fd 3 and writes answers on fd 4; a tiny Python shim puts the pipes there
        # (dash cannot redirect fds above 9; preexec_fn is unsafe with threads)
        shim = (
            "import os,sys;r,w=int(sys.argv[1]),int(sys.argv[2]);os.dup2(r,3);os.dup2(w,4);os.close(r);os.close(w);"
            "os.execv(sys.argv[3],sys.argv[3:])"
        )
        cmd = [
            sys.executable,
            "-S",
            "-c",
            shim,
            str(to_browser_r),
            str(from_browser_w),
            self.executable,
            *_FLAGS,
            f"--user-data-dir={self._profile}",
            "about:blank",
        ]
        try:
            self._proc = subprocess.Popen(
                cmd,
                pass_fds=(to_browser_r, from_browser_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=None if os.environ.get("JEUGDLIB_DEBUG") else subprocess.DEVNULL,
                start_new_session=True,
            )
        finally:
            os.close(to_browser_r)
            os.close(from_browser_w)
        self._write_fd = to_browser_w
        self._reader = threading.Thread(target=self._read_loop, args=(from_browser_r,), daemon=True)
        self._reader.start()
        self.call("Browser.getVersion")
        return self

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(Exception):
                self._send("Browser.close", {}, None)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, 9)
                proc.wait()
        if self._write_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._write_fd)
            self._write_fd = None
        if self._profile is not None:
            _files.remove_tree(self._profile)
            self._profile = None

    def __enter__(self) -> Chromium:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ protocol
    def _read_loop(self, fd: int) -> None:
        buf = b""
        with os.fdopen(fd, "rb", buffering=0) as f:
            while True:
                chunk = f.read(1 << 16)
                if not chunk:
                    break
                buf += chunk
                while b"\0" in buf:
                    raw, buf = buf.split(b"\0", 1)
                    try:
                        msg = json.loads(raw)
                    except ValueError:
                        continue
                    self._dispatch(msg)
        with self._lock:  # browser gone: wake every waiter
            for q in self._waiting.values():
                q.put({"error": {"message": "browser closed"}})

    def _dispatch(self, msg: dict[str, Any]) -> None:
        with self._lock:
            if "id" in msg and msg["id"] in self._waiting:
                self._waiting[msg["id"]].put(msg)
            elif "method" in msg:
                self._events.setdefault(msg.get("sessionId"), queue.Queue()).put(msg)

    def _send(self, method: str, params: dict[str, Any], session: str | None) -> queue.Queue[dict[str, Any]]:
        with self._lock:
            self._next_id += 1
            mid = self._next_id
            q: queue.Queue[dict[str, Any]] = queue.Queue()
            self._waiting[mid] = q
        msg: dict[str, Any] = {"id": mid, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        if self._write_fd is None:
            raise ChromiumError("browser not started")
        view = memoryview(data)
        while view:
            n = os.write(self._write_fd, view)
            view = view[n:]
        q.mid = mid  # type: ignore[attr-defined]
        return q

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one protocol command and wait for its result; protocol errors raise :class:`ChromiumError`."""
        q = self._send(method, params or {}, session)
        try:
            msg = q.get(timeout=self.timeout)
        except queue.Empty:
            raise ChromiumError(f"Chromium gaf geen antwoord op {method} binnen {self.timeout:.0f} s") from None
        finally:
            with self._lock:
                self._waiting.pop(q.mid, None)  # type: ignore[attr-defined]
        if "error" in msg:
            raise ChromiumError(f"{method}: {msg['error'].get('message', msg['error'])}")
        return msg.get("result", {})

    # ------------------------------------------------------------------ pages
    @contextlib.contextmanager
    def page(self, url: str, *, width: int = 1280, height: int = 1600) -> Iterator[Page]:
        """Open ``url`` in a new tab, wait for its load event, yield a :class:`Page`; the tab is closed after."""
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        try:
            session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            page = Page(self, session)
            self.call("Page.enable", session=session)
            self.call("Network.enable", session=session)
            self.call(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                session=session,
            )
            self.call("Page.navigate", {"url": url}, session=session)
            page._wait_load()
            yield page
        finally:
            with contextlib.suppress(ChromiumError):
                self.call("Target.closeTarget", {"targetId": target})

    def print_pdf(self, html_path: str | os.PathLike[str], pdf_path: str | os.PathLike[str]) -> Path:
        """Print a local HTML file to ``pdf_path`` (A4 from the page's print CSS), written atomically."""
        url = Path(html_path).resolve().as_uri()
        with self.page(url) as page:
            data = page.pdf()
        return _files.atomic_write(Path(pdf_path), data)


class Page:
    """A tab opened by :meth:`Chromium.page`."""

    def __init__(self, browser: Chromium, session: str) -> None:
        self.browser = browser
        self.session = session
        self.requests: list[str] = []

    def _collect(self, ev: dict[str, Any]) -> None:
        if ev.get("method") == "Network.requestWillBeSent":
            self.requests.append(ev["params"]["request"]["url"])

    def _wait_load(self) -> None:
        b = self.browser
        end = time.monotonic() + b.timeout
        with b._lock:
            q = b._events.setdefault(self.session, queue.Queue())
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise ChromiumError("Chromium: de pagina laadde niet op tijd")
            try:
                ev = q.get(timeout=left)
            except queue.Empty:
                continue
            self._collect(ev)
            if ev.get("method") == "Page.loadEventFired":
                return

    def drain(self) -> None:
        """Collect the events that arrived since the load (network requests made later)."""
        b = self.browser
        with b._lock:
            q = b._events.setdefault(self.session, queue.Queue())
        while True:
            try:
                self._collect(q.get_nowait())
            except queue.Empty:
                return

    def evaluate(self, expression: str) -> Any:
        """Evaluate JavaScript in the page and return its (JSON) value; a JS exception raises :class:`ChromiumError`."""
        res = self.browser.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self.session,
        )
        if "exceptionDetails" in res:
            detail = res["exceptionDetails"]
            raise ChromiumError(f"JavaScript: {detail.get('exception', {}).get('description') or detail.get('text')}")
        return res.get("result", {}).get("value")

    def pdf(self) -> bytes:
        res = self.browser.call(
            "Page.printToPDF",
            {"printBackground": True, "preferCSSPageSize": True, "generateDocumentOutline": True},
            session=self.session,
        )
        return base64.b64decode(res["data"])

    def screenshot(self, path: str | os.PathLike[str], *, full_page: bool = True) -> Path:
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": full_page}
        if full_page:
            size = self.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
            params["clip"] = {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1}
        res = self.browser.call("Page.captureScreenshot", params, session=self.session)
        return _files.atomic_write(Path(path), base64.b64decode(res["data"]))

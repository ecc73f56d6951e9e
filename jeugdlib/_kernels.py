"""Warm Jupyter kernels for the report batch: started once per worker, reused with a reset per region.

A report is still one papermill run of one parameterised notebook per region, but
starting a Python process, a kernel and the heavy imports (pandas, statsmodels,
geopandas, matplotlib) cost about 5 of the 7.5 seconds a region took. A
:class:`WarmKernel` starts the kernel once, imports what the report needs, and
hands its kernel manager to papermill (``km=`` is passed on to nbclient, which then
neither starts nor shuts down a kernel; the client it makes per notebook is closed after). Between regions
:meth:`WarmKernel.reset` clears the user namespace (``%reset -f``), closes every
figure and restores the default warning filters, so no variable of one region
leaks into the next (tested in ``tests/test_batch.py``). Modules stay imported, and
caches inside jeugdlib (embedded data, the verified national models) survive the
reset: that is the point.

After a failed region (an exception in a cell, a cell timeout, a dead kernel) the
kernel is replaced by a fresh one, so a region that broke the kernel's state
cannot affect the next.

The kernel talks over IPC sockets in a private (0700) folder instead of TCP on
localhost: no other local user can reach it, and ipykernel does not warn about
unencrypted TCP. The kernel ends itself when the batch process dies (ipykernel's
parent poller, ``JPY_PARENT_PID`` set by jupyter_client).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jeugdlib import _files

__all__ = ["WARM_IMPORTS", "KernelError", "RegionTimeout", "WarmKernel"]

#: Imported once per kernel, before the first region: what the report notebook imports.
WARM_IMPORTS = """
import warnings
warnings.filterwarnings("ignore")
import matplotlib.pyplot as plt
import numpy, pandas, scipy, statsmodels.api, geopandas, shapely
from IPython.display import HTML, Markdown, display
import jeugdlib
from jeugdlib import reports, publication
from jeugdlib.plots import maps, scp as _scp_plots
import jeugdlib.report_sections
from jeugdlib.data import load_wijken, load_gemeenten, load_scp_2017, regions as _regions
load_wijken(2022); load_gemeenten(2022); load_scp_2017(); _regions(2022)
warnings.resetwarnings()
"""

#: Run before every region: a clean namespace, no open figures, default warnings and rcParams.
RESET = """
import matplotlib as _mpl, matplotlib.pyplot as _plt, warnings as _w
_plt.close("all"); _w.resetwarnings(); _mpl.rcdefaults()
%reset -f
"""


class KernelError(RuntimeError):
    """The kernel could not be started or did not answer."""


class RegionTimeout(KernelError):
    """A region took longer than its time limit; its kernel was stopped."""


class WarmKernel:
    """One ipykernel, started in a private folder, warmed up and reusable across regions.

    Parameters
    ----------
    kernel_name:
        The Jupyter kernel spec (``python3``).
    env:
        Extra environment variables for the kernel (the models key of the batch).
    warm:
        Code run once after start (default :data:`WARM_IMPORTS`); ``""`` for none.
    start_timeout:
        Seconds to wait for the kernel to answer.
    """

    def __init__(
        self,
        kernel_name: str = "python3",
        *,
        env: dict[str, str] | None = None,
        warm: str | None = None,
        start_timeout: float = 120,
    ) -> None:
        self.kernel_name = kernel_name
        self.env = dict(env or {})
        self.warm = WARM_IMPORTS if warm is None else warm
        self.start_timeout = start_timeout
        self.km: Any = None
        self._clients: list[Any] = []
        self._pending: threading.Thread | None = None
        self._pending_error: BaseException | None = None
        self._needs_reset = False
        self.folder: Path | None = None
        self.regions_run = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self, attempts: int = 2) -> WarmKernel:
        """Start the kernel and run the warm-up code; :class:`KernelError` when ``attempts`` starts all fail.

        A busy machine sometimes loses a kernel during start-up ("Kernel died before replying to
        kernel_info"); a second attempt then succeeds.
        """
        for attempt in range(1, attempts + 1):
            try:
                return self._start()
            except KernelError:
                if attempt == attempts:
                    raise
            except Exception as exc:  # noqa: BLE001 - jupyter_client raises RuntimeError, TimeoutError, ...
                if attempt == attempts:
                    raise KernelError(f"de rekenkern start niet: {type(exc).__name__}: {exc}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _start(self) -> WarmKernel:
        from jupyter_client.manager import KernelManager

        self.folder = _files.private_tempdir(f".jeugdlib-kernel-{os.getpid()}-")
        km = KernelManager(
            kernel_name=self.kernel_name,
            transport="ipc",
            ip=str(self.folder / "k"),
            connection_file=str(self.folder / "kernel.json"),
            # nbclient runs an asyncio loop: with a blocking client a read without timeout blocks that loop,
            # and cell time limits and dead-kernel checks never run. The clients it makes must be asynchronous.
            client_class="jupyter_client.asynchronous.AsyncKernelClient",
        )
        env = {**os.environ, **self.env, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        km.start_kernel(cwd=str(self.folder), env=env)
        self.km = km
        make_client = km.client

        def tracked_client(**kw: Any) -> Any:  # nbclient makes a client per notebook and never closes it
            kc = make_client(**kw)
            self._clients.append(kc)
            return kc

        km.client = tracked_client
        try:
            with self._client() as kc:
                kc.wait_for_ready(timeout=self.start_timeout)
            if self.warm:
                self.run_code(self.warm, timeout=self.start_timeout)
        except BaseException:
            self.shutdown()
            raise
        self.regions_run = 0
        self._needs_reset = False
        return self

    def alive(self) -> bool:
        return self.km is not None and bool(self.km.is_alive())

    def shutdown(self) -> None:
        """Stop the clients and the kernel (immediately) and remove the private folder."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.join(timeout=60)
        self._pending_error = None
        km, folder = self.km, self.folder
        self.km = self.folder = None
        try:
            self._close_clients()
        finally:
            try:
                if km is not None and km.has_kernel:
                    km.shutdown_kernel(now=True)
            finally:
                if folder is not None:
                    _files.remove_tree(folder)

    def _close_clients(self) -> None:
        clients, self._clients = self._clients, []
        for kc in clients:
            with contextlib.suppress(Exception):
                kc.stop_channels()

    def restart(self) -> None:
        """Replace the kernel by a fresh, warmed-up one (after a failed region)."""
        self.shutdown()
        self.start()

    def __enter__(self) -> WarmKernel:
        return self.start() if self.km is None else self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    # ------------------------------------------------------------------ use
    @contextlib.contextmanager
    def _client(self) -> Iterator[Any]:
        """A short-lived blocking client on the kernel (for warm-up and reset code)."""
        from jupyter_client.blocking import BlockingKernelClient

        if self.km is None:
            raise KernelError("kernel not started")
        # parent=km: "is the kernel alive?" asks the process, not the heartbeat. A heartbeat client
        # declares a kernel that is slow to answer (a busy machine, heavy imports) dead after 1 s:
        # "Kernel died before replying to kernel_info" while the kernel was starting fine.
        kc = BlockingKernelClient(parent=self.km)
        kc.load_connection_info(self.km.get_connection_info())
        kc.start_channels(hb=False)
        try:
            yield kc
        finally:
            kc.stop_channels()

    def run_code(self, code: str, timeout: float = 60) -> dict[str, Any]:
        """Execute ``code`` in the kernel; raise :class:`KernelError` with the kernel's error, if any."""
        errors: list[str] = []

        def hook(msg: dict[str, Any]) -> None:
            if msg.get("msg_type") == "error":
                c = msg["content"]
                errors.append(f"{c.get('ename')}: {c.get('evalue')}")

        with self._client() as kc:
            reply = kc.execute_interactive(code, timeout=timeout, output_hook=hook, store_history=False)
        content = reply.get("content", {})
        if content.get("status") != "ok" or errors:
            detail = errors[0] if errors else f"{content.get('ename')}: {content.get('evalue')}"
            raise KernelError(f"kernel code failed: {detail}")
        return content

    def reset(self) -> None:
        """Clear everything a region left in the kernel (namespace, figures, warning filters, rcParams)."""
        self.run_code(RESET, timeout=60)

    def _reset_in_background(self) -> None:
        """Start the reset for the next region now, while the batch exports and prints this one.

        The reset (IPython's ``%reset`` runs a full garbage collection: about half a second on a
        report kernel) then overlaps with work in other processes; :meth:`_before_next` waits for it.
        """

        def run() -> None:
            try:
                self.reset()
            except BaseException as exc:  # noqa: BLE001 - handed to the next region's start
                self._pending_error = exc

        self._pending = threading.Thread(target=run, name="jeugdlib-kernel-reset", daemon=True)
        self._pending.start()

    def _before_next(self) -> None:
        """Wait for the pending reset; a reset that failed means a fresh kernel (never a dirty one)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.join()
        error, self._pending_error = self._pending_error, None
        if error is not None:
            self.restart()

    def execute_notebook(
        self,
        notebook: str | os.PathLike[str],
        output: str | os.PathLike[str],
        parameters: dict[str, Any],
        *,
        timeout: float = 600,
    ) -> Any:
        """Run ``notebook`` with papermill on this kernel (after a reset); return the executed notebook node.

        ``timeout`` is the wall-clock limit for the whole notebook: a watchdog kills the kernel
        when it is exceeded and :class:`RegionTimeout` is raised (nbclient's per-cell timeout is
        not enforced on a kernel it did not start). Other exceptions are papermill's
        (:class:`papermill.PapermillExecutionError` for an error in a cell) or nbclient's
        (dead kernel); after any of them call :meth:`restart`.
        """
        import logging

        import papermill as pm

        # papermill/nbclient log a dying kernel or a timeout in English on stderr; the batch records the
        # reason itself (Dutch, in logboek/ and the index), so their own messages are kept quiet
        logging.getLogger("papermill").setLevel(logging.CRITICAL)
        self._before_next()
        if self.regions_run and self._needs_reset:
            self.reset()
        self.regions_run += 1
        self._needs_reset = True
        expired = threading.Event()
        pid = getattr(getattr(self.km, "provisioner", None), "pid", None)

        def expire() -> None:
            expired.set()
            if pid:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)

        watchdog = threading.Timer(timeout, expire)
        watchdog.daemon = True
        watchdog.start()
        try:
            nb = pm.execute_notebook(
                str(notebook),
                str(output),
                parameters=parameters,
                kernel_name=self.kernel_name,
                progress_bar=False,
                log_output=False,
                execution_timeout=timeout,
                start_timeout=int(self.start_timeout),
                km=self.km,
            )
            watchdog.cancel()
            self._close_clients()
            self._needs_reset = False
            self._reset_in_background()
            return nb
        except Exception as exc:
            if expired.is_set():
                raise RegionTimeout(f"langer dan {timeout:.0f} s") from exc
            raise
        finally:
            watchdog.cancel()
            self._close_clients()

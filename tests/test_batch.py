"""The report batch on warm kernels: isolation, failures with reasons, the index from disk, incremental runs.

These tests run the real machinery (kernels, papermill, nbconvert, locks) on a tiny
stand-in notebook, so they take seconds; the real report is rendered in
tests/test_reports.py and tests/test_report_browser.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from jeugdlib import _batch, _kernels, reports

PARAMS = """
region = "JZ24"
year = 2022
models_path = None
tables_dir = "tabellen"
local_data_path = None
policy_path = None
trajectories_path = None
claims_path = None
"""

BODY = """
import os, time
from pathlib import Path
from IPython.display import Markdown, display
left_over = sorted(k for k in globals() if k.startswith("geheim_"))
display(Markdown(f"# Rapport {region}\\n\\nrestjes: {left_over or 'geen'}"))
if region in os.environ.get("JEUGDLIB_TEST_FAIL", ""):
    raise ValueError(f"kapot in {region}: BSN 111222333")
if region in os.environ.get("JEUGDLIB_TEST_SLOW", ""):
    time.sleep(30)
globals()[f"geheim_{region}"] = 42
Path(tables_dir).mkdir(parents=True, exist_ok=True)
(Path(tables_dir) / "t.csv").write_text("a;b\\n1;2\\n")
"""


def _notebook(path: Path, body: str = BODY) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(PARAMS, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(body),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    path.with_suffix(".py").write_text("# paired source stand-in\n" + body)
    return path


@pytest.fixture
def batch(tmp_path, monkeypatch):
    """render_all on the stand-in notebook: light kernels, no national fit (counted), no PDF."""
    (tmp_path / "nb").mkdir()
    nb = _notebook(tmp_path / "nb" / "rapport.ipynb")
    monkeypatch.setattr(reports, "NOTEBOOK", nb)
    monkeypatch.setattr(_kernels, "WARM_IMPORTS", "import os")
    fits = []

    def fake_fit(year):
        fits.append(year)
        return reports.NationalModels(None, None, year)

    monkeypatch.setattr(reports, "fit_national_models", fake_fit)
    monkeypatch.delenv("JEUGDLIB_TEST_FAIL", raising=False)
    monkeypatch.delenv("JEUGDLIB_TEST_SLOW", raising=False)

    def run(regions, **kw):
        kw.setdefault("jobs", 1)
        kw.setdefault("pdf", False)
        kw.setdefault("progress", False)
        return reports.render_all(tmp_path / "out", regions=regions, **kw)

    run.fits = fits
    run.out = tmp_path / "out"
    run.notebook = nb
    return run


def _statuses(res):
    return {r["region"]: r["status"] for r in res}


def test_regions_share_a_kernel_without_sharing_variables(batch, tmp_path):
    audit = tmp_path / "audit"
    res = batch(["JZ24", "JZ13", "JZ29"], audit_dir=audit)
    assert _statuses(res) == {"JZ24": "ok", "JZ13": "ok", "JZ29": "ok"}
    assert batch.fits == [2022]  # one fit for the whole run
    for code in ("JZ24", "JZ13", "JZ29"):
        nb = nbformat.read(audit / f"{code}-rapport.ipynb", as_version=4)
        text = json.dumps(nb.cells[-1].outputs)
        assert "restjes: geen" in text, (code, text)  # nothing of the previous region is left
        html = (batch.out / code / "rapport.html").read_text(encoding="utf-8")
        assert f"Rapport {code}" in html and '<html lang="nl">' in html
    # the kernel really was reused: its warm state (sys.modules) survives, the namespace does not
    man = json.loads((batch.out / "JZ29" / "manifest.json").read_text())
    assert man["status"] == "ok" and man["bestanden"] == ["rapport.html"] and man["pdf"] is False


def test_warm_kernel_reset_clears_namespace_figures_and_warnings():
    k = _kernels.WarmKernel(warm="import matplotlib\nmatplotlib.use('Agg')").start()
    try:
        pid = k.km.provisioner.pid
        k.run_code(
            "import warnings, matplotlib.pyplot as plt\n"
            "geheim = 1; plt.figure(); warnings.simplefilter('error'); plt.rcParams['lines.linewidth'] = 9"
        )
        k.reset()
        k.run_code(
            "import warnings, matplotlib.pyplot as plt, matplotlib as mpl\n"
            "assert 'geheim' not in globals(), 'namespace leaked'\n"
            "assert plt.get_fignums() == [], 'figure leaked'\n"
            "assert not any(f[0] == 'error' for f in warnings.filters), 'warning filter leaked'\n"
            "assert mpl.rcParams['lines.linewidth'] != 9, 'rcParams leaked'"
        )
        assert k.km.provisioner.pid == pid  # the same process: reset, not restarted
        with pytest.raises(_kernels.KernelError, match="ZeroDivisionError"):
            k.run_code("1/0")
    finally:
        k.shutdown()


def test_failed_region_records_its_reason_and_the_others_go_on(batch, monkeypatch):
    monkeypatch.setenv("JEUGDLIB_TEST_FAIL", "JZ38")
    res = batch(["JZ24", "JZ38", "JZ13"])
    assert _statuses(res) == {"JZ24": "ok", "JZ38": "failed", "JZ13": "ok"}  # JZ13 ran on a fresh kernel
    failed = next(r for r in res if r["region"] == "JZ38")
    assert failed["error_type"] == "ValueError" and "kapot in JZ38" in failed["error"]
    assert "111222333" not in failed["error"]  # masked
    record = json.loads((batch.out / "logboek" / "JZ38.json").read_text())
    assert record["status"] == "failed" and record["error_type"] == "ValueError"
    log = (batch.out / "logboek" / "JZ38.log").read_text()
    assert "mislukt" in log and "ValueError: kapot in JZ38" in log
    index = (batch.out / "index.html").read_text()
    assert "ValueError: kapot in JZ38" in index and "111222333" not in index
    assert not (batch.out / "JZ38").exists()  # nothing half-written


def test_failure_keeps_the_previous_report(batch, monkeypatch):
    batch(["JZ38"])
    before = (batch.out / "JZ38" / "rapport.html").read_bytes()
    monkeypatch.setenv("JEUGDLIB_TEST_FAIL", "JZ38")
    (res,) = batch(["JZ38"], force=True)
    assert res["status"] == "failed"
    assert (batch.out / "JZ38" / "rapport.html").read_bytes() == before
    index = (batch.out / "index.html").read_text()
    assert "Het vorige rapport blijft staan" in index and 'href="JZ38/rapport.html"' in index


def test_cell_timeout_is_a_reason_not_a_hang(batch, monkeypatch):
    monkeypatch.setenv("JEUGDLIB_TEST_SLOW", "JZ24")
    t0 = time.perf_counter()
    res = batch(["JZ24", "JZ13"], timeout=3)
    assert time.perf_counter() - t0 < 25
    assert _statuses(res) == {"JZ24": "failed", "JZ13": "ok"}
    assert res[0]["error_type"] == "TimeoutError" and "tijdslimiet" in res[0]["error"]


def test_subset_and_concurrent_runs_keep_every_report_in_the_index(batch):
    batch(["JZ24", "JZ13"])
    batch(["JZ29"])  # a subset run
    index = (batch.out / "index.html").read_text()
    for code in ("JZ24", "JZ13", "JZ29"):
        assert f'href="{code}/rapport.html"' in index
    errors = []

    def run(codes):
        try:
            batch(codes, force=True)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in (["JZ01", "JZ24"], ["JZ02", "JZ13"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    index = (batch.out / "index.html").read_text()
    for code in ("JZ24", "JZ13", "JZ29", "JZ01", "JZ02"):
        assert f'href="{code}/rapport.html"' in index, code
    assert "nog niet gemaakt" in index  # the regions never rendered are listed too


def test_unchanged_reports_are_skipped_without_fit_or_kernel(batch, monkeypatch, tmp_path):
    batch(["JZ24", "JZ13"])

    def boom(*a, **k):
        raise AssertionError("nothing may start when every report is current")

    monkeypatch.setattr(reports, "fit_national_models", boom)
    monkeypatch.setattr(reports, "WarmKernel", boom)
    t0 = time.perf_counter()
    res = batch(["JZ24", "JZ13"])
    assert _statuses(res) == {"JZ24": "skipped", "JZ13": "skipped"}
    assert time.perf_counter() - t0 < 3
    monkeypatch.undo()


def test_changed_notebook_or_user_file_renders_again(batch, tmp_path):
    policy = tmp_path / "beleid.csv"
    policy.write_text("gemeentecode;jaar_wijkteam\nGM0518;2016\n")
    res = batch(["JZ24"])
    assert res[0]["status"] == "ok"
    assert batch(["JZ24"])[0]["status"] == "skipped"
    batch.notebook.with_suffix(".py").write_text("# the paired source changed\n")
    assert batch(["JZ24"])[0]["status"] == "ok"
    assert batch(["JZ24"])[0]["status"] == "skipped"
    digest = _batch.code_digest(batch.notebook)
    other = _batch.inputs_digest(digest, "JZ24", 2022, {"beleidstabel": str(policy)})
    policy.write_text("gemeentecode;jaar_wijkteam\nGM0518;2017\n")
    assert _batch.inputs_digest(digest, "JZ24", 2022, {"beleidstabel": str(policy)}) != other


def test_code_digest_covers_package_files_and_notebook(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "data").mkdir(parents=True)
    (pkg / "reports.py").write_text("x = 1\n")
    (pkg / "data" / "wijken.csv").write_text("a\n1\n")
    (pkg / "__pycache__").mkdir()
    nb = _notebook(tmp_path / "rapport.ipynb")
    base = _batch.code_digest(nb, pkg)
    (pkg / "__pycache__" / "reports.cpython-311.pyc").write_bytes(b"\0")
    assert _batch.code_digest(nb, pkg) == base  # caches do not count
    (pkg / "reports.py").write_text("x = 2\n")
    changed_code = _batch.code_digest(nb, pkg)
    assert changed_code != base
    (pkg / "data" / "wijken.csv").write_text("a\n2\n")
    changed_data = _batch.code_digest(nb, pkg)
    assert changed_data != changed_code
    nb.write_text(nb.read_text() + " ")
    assert _batch.code_digest(nb, pkg) != changed_data


def test_write_index_escapes_and_never_follows_links(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    (out / "index.html").symlink_to(victim)
    with _batch.out_lock(out):
        _batch.record_status(out, "JZ24", {"status": "failed", "error_type": "X", "error": "<script>alert(1)</script>"})
    reports.write_index(out)
    page = (out / "index.html").read_text(encoding="utf-8")
    assert not (out / "index.html").is_symlink() and victim.read_text() == "keep"
    assert "&lt;script&gt;" in page and "<script>" not in page
    assert page.count("<tr>") == 1 + 42  # header + every region of 2022


def test_kernel_gets_the_models_key_through_its_environment_only(monkeypatch):
    key = os.urandom(32).hex()
    k = _kernels.WarmKernel(env={reports.MODELS_KEY_ENV: key}, warm="").start()
    try:
        pid = k.km.provisioner.pid
        k.run_code(f"import os; assert os.environ[{reports.MODELS_KEY_ENV!r}] == {key!r}")
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        assert key not in cmdline  # never on a command line (visible in ps)
        conn = json.loads(Path(k.km.connection_file).read_text())
        assert conn["transport"] == "ipc"  # no TCP port on localhost
        assert (Path(k.km.connection_file).parent.stat().st_mode & 0o777) == 0o700
    finally:
        k.shutdown()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux-only")
def test_sigkill_of_the_batch_ends_its_kernels(tmp_path):
    """kill -9 of a running batch: its kernel ends by itself within seconds (ipykernel's parent poller)."""
    nb = _notebook(tmp_path / "rapport.ipynb", BODY.replace('os.environ.get("JEUGDLIB_TEST_SLOW", "")', '"JZ24"'))
    script = (
        "import sys\nfrom pathlib import Path\nfrom jeugdlib import reports, _kernels\n"
        "_kernels.WARM_IMPORTS = 'import os'\n"
        f"reports.NOTEBOOK = Path({str(nb)!r})\n"
        "reports.fit_national_models = lambda year: reports.NationalModels(None, None, year)\n"
        f"reports.render_all(Path({str(tmp_path / 'out')!r}), regions=['JZ24'], jobs=1, pdf=False, progress=False)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    kernel_pids: list[int] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not kernel_pids:
        time.sleep(0.3)
        kernel_pids = _children(proc.pid)
    assert kernel_pids, "the batch never started a kernel"
    out = tmp_path / "out"

    def rendering() -> bool:  # the region's work folder exists
        return out.is_dir() and any(p.name.startswith(".JZ24-") for p in out.iterdir())

    while time.monotonic() < deadline and not rendering():
        time.sleep(0.2)
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(p) for p in kernel_pids):
        time.sleep(0.3)
    alive = [p for p in kernel_pids if _alive(p)]
    for p in alive:  # clean up before failing
        os.kill(p, signal.SIGKILL)
    assert not alive, "kernel outlived the killed batch"
    assert [p for p in out.iterdir() if p.name.startswith(".JZ24-")], "expected the killed run's work folder"
    # the next run removes what the killed run left behind (its process is gone)
    script_next = script.replace("['JZ24']", "['JZ13']")
    subprocess.run([sys.executable, "-c", script_next], check=True, timeout=120)
    assert not [p for p in out.iterdir() if p.name.startswith(".JZ24")], "work folder of the killed run left behind"
    assert not (out / "JZ24").exists() and (out / "JZ13" / "rapport.html").is_file()


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_kernel_that_will_not_start_fails_its_regions_not_the_batch(batch, monkeypatch):
    """Kernel start-up errors (seen on a busy machine) are retried once, then recorded per region."""
    calls = {"n": 0}
    real = _kernels.WarmKernel._start

    def flaky(self):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return real(self)

    monkeypatch.setattr(_kernels.WarmKernel, "_start", flaky)
    assert _statuses(batch(["JZ24"])) == {"JZ24": "ok"}  # the second attempt started
    assert calls["n"] == 2

    def never(self):
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(_kernels.WarmKernel, "_start", never)
    res = batch(["JZ24", "JZ13"], force=True)
    assert _statuses(res) == {"JZ24": "failed", "JZ13": "failed"}
    assert res[0]["error_type"] == "KernelError" and "Kernel died before replying" in res[0]["error"]
    index = (batch.out / "index.html").read_text()
    assert "KernelError" in index and "Het vorige rapport blijft staan" in index


def test_printing_runs_beside_the_kernels_and_a_print_failure_is_the_regions_reason(batch, monkeypatch):
    """With a browser, each region is printed and published by the printer while its kernel moves on."""
    from jeugdlib._chromium import ChromiumError

    printed, closed = [], []

    class FakeBrowser:
        def print_pdf(self, html, pdf):
            code = Path(html).parent.name.split("-")[0].lstrip(".")
            if code == "JZ38":
                raise ChromiumError("Page.printToPDF: printing failed")
            printed.append(code)
            Path(pdf).write_bytes(b"%PDF-1.4 fake")

        def close(self):
            closed.append(True)

    monkeypatch.setattr(reports, "_open_browser", lambda want_pdf: FakeBrowser())
    res = batch(["JZ24", "JZ38", "JZ13"], pdf=True)
    assert _statuses(res) == {"JZ24": "ok", "JZ38": "failed", "JZ13": "ok"}
    assert res[1]["error_type"] == "ChromiumError" and "printing failed" in res[1]["error"]
    assert sorted(printed) == ["JZ13", "JZ24"] and closed == [True]
    for code in ("JZ24", "JZ13"):
        man = json.loads((batch.out / code / "manifest.json").read_text())
        assert man["bestanden"] == ["rapport.html", "rapport.pdf"] and (batch.out / code / "rapport.pdf").is_file()
    assert not (batch.out / "JZ38").exists()
    assert not [p for p in batch.out.iterdir() if p.name.startswith(".JZ")]  # no work folder left behind


def test_sigterm_stops_the_queue_cleanly(tmp_path):
    """SIGTERM during a 3-region run: no further region is published, exit 143 in Dutch, nothing left behind."""
    nb = _notebook(tmp_path / "rapport.ipynb", BODY.replace('os.environ.get("JEUGDLIB_TEST_SLOW", "")', '"JZ24"'))
    out = tmp_path / "out"
    script = (
        "import sys\nfrom pathlib import Path\nfrom jeugdlib import reports, _kernels, cli\n"
        "_kernels.WARM_IMPORTS = 'import os'\n"
        f"reports.NOTEBOOK = Path({str(nb)!r})\n"
        "reports.fit_national_models = lambda year: reports.NationalModels(None, None, year)\n"
        f"sys.exit(cli.main(['report', '--all', '--regions', 'JZ24', 'JZ13', 'JZ29', '--jobs', '1', "
        f"'--out', {str(out)!r}]))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        out.is_dir() and any(p.name.startswith(".JZ24-") for p in out.iterdir())
    ):
        time.sleep(0.2)  # JZ24 (slow) is rendering; JZ13 and JZ29 wait in the queue
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "afgebroken (SIGTERM)" in err
    assert not any((out / c).exists() for c in ("JZ24", "JZ13", "JZ29"))  # nothing more was published
    assert not [p for p in out.iterdir() if p.name.startswith(".JZ")]  # no work folder left behind


def test_a_file_where_the_log_folder_goes_is_refused_before_any_work(batch):
    batch.out.mkdir()
    (batch.out / "logboek").write_text("x")
    with pytest.raises(reports.DataError, match="logboek is een bestand, geen map"):
        batch(["JZ24"])
    assert batch.fits == [] and not (batch.out / "JZ24").exists()

"""The HTML report rendered once in a real browser (headless Chromium, Debian's
``chromium`` package), with the network switched off: the page must still draw."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mlgate.report.html import render_html

from .conftest import make_sample

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_html_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    page = tmp_path / "report.html"
    page.write_text(render_html(make_sample()), encoding="utf-8")
    shot = tmp_path / "report.png"
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--user-data-dir=" + str(tmp_path / "profile"),
            "--proxy-server=127.0.0.1:9",  # any request for the network would fail
            "--window-size=1000,2800",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 50_000  # text, tables and four plots, not a blank page

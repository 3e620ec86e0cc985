"""The monthly review: a self-contained HTML report with its charts, Markdown, and a Slack summary."""

import base64
import re
import shutil
from io import BytesIO

import pytest
from matplotlib import image

from llm_vitals import pipeline
from llm_vitals.cli import main
from tests.demo_db import demo_settings as _settings
from tests.slack_server import SlackServer


@pytest.fixture
def month_db(checked_demo_db):
    return checked_demo_db


def test_the_review_embeds_its_charts_and_lists_the_month(month_db, tmp_path):
    settings = _settings(month_db, review_dir=tmp_path / "out")
    built, html_path, md_path = pipeline.monthly_review(settings, "2026-10")
    page = html_path.read_text()
    images = re.findall(r"src='data:image/png;base64,([^']+)'", page)
    assert len(images) >= 4  # calls, p95, cost per successful task, error rate
    for data in images:
        assert image.imread(BytesIO(base64.b64decode(data))).shape[0] > 100
    assert "prompt_version v8" in page and "retrieval_empty_rate on tenant t04" in page
    assert "Monthly checklist" in page and "rotation dates" in page
    assert "| gemini-2.5-flash |" in md_path.read_text()


def test_review_command_posts_a_summary_with_the_report_attached(month_db, tmp_path, monkeypatch):
    db_path = shutil.copy(month_db, tmp_path / "post.duckdb")
    server = SlackServer().start()
    try:
        for name, value in {"SLACK_BOT_TOKEN": "xoxb-review", "LLM_VITALS_SLACK_CHANNEL": "#monthly",
                            "LLM_VITALS_SLACK_BASE_URL": server.base_url}.items():
            monkeypatch.setenv(name, value)
        assert main(["review", "--db", str(db_path), "--month", "2026-10", "--out", str(tmp_path / "r")]) == 0
        assert [m["channel"] for m in server.messages()] == ["#monthly"]
        assert "LLM monthly review 2026-10" in server.messages()[0]["text"]
        upload = next(r for r in server.received if r["path"] == "/upload/F1")
        assert upload["body"]["bytes"] == (tmp_path / "r" / "llm-vitals-review-2026-10.html").stat().st_size
    finally:
        server.stop()
    assert main(["review", "--db", str(db_path), "--month", "October"]) == 2


@pytest.mark.slow
def test_the_report_shows_its_charts_in_a_headless_browser(month_db, tmp_path):
    """Debian's Chromium loads the page; a script in the test's copy records each image's size."""
    import subprocess

    browser = shutil.which("chromium")
    if browser is None:
        pytest.skip("Debian's chromium is not installed (the README's test command installs it where apt works)")
    settings = _settings(month_db, review_dir=tmp_path / "out")
    _, html_path, _ = pipeline.monthly_review(settings, "2026-10")
    probe = tmp_path / "probe.html"
    probe.write_text(html_path.read_text().replace(
        "</body>", "<script>for (const i of document.images) i.dataset.size = i.naturalWidth + 'x' + i.naturalHeight;</script></body>"))
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([browser, *flags, "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120).stdout
    sizes = re.findall(r'data-size="(\d+)x(\d+)"', dom)
    assert len(sizes) >= 4 and all(int(w) > 300 and int(h) > 100 for w, h in sizes)
    shot = tmp_path / "review.png"
    subprocess.run([browser, *flags, f"--screenshot={shot}", "--window-size=1000,1400", html_path.as_uri()],
                   capture_output=True, timeout=120)
    assert image.imread(str(shot)).shape[:2] == (1400, 1000)

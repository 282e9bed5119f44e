"""The app in a real headless Chromium: ask a question, see the conclusion badge and a citation card with
its quote shown once, keep a screenshot.

Needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver) and the
selenium package; .ci/run installs them. Where they are missing the test is skipped with the
install command as its reason, unless REGKB_REQUIRE_BROWSER=1 (set by .ci/run) makes it fail. Starts `streamlit run app.py` on a free localhost port
against a tiny real index built in a temporary directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.realindex import build_index
from tests.processes import free_port, wait_until_ok

pytestmark = [pytest.mark.integration, pytest.mark.browser]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
LABELS = ("不可以", "可以", "有条件可以", "视情况而定")
README_SHOT = REPO / "docs" / "screenshot-qa.png"
CHROMIUM = os.environ.get("REGKB_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("REGKB_CHROMEDRIVER", "/usr/bin/chromedriver")
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,1700",
    "--lang=zh-CN",
)


def missing_browser() -> str | None:
    """Why the browser test cannot run here, or None when it can."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not Path(path).exists()]
    if missing:
        return (
            f"{' and '.join(missing)} not found: apt-get install -y chromium chromium-driver fonts-noto-cjk"
        )
    return None


@pytest.fixture(scope="module", autouse=True)
def _require_browser() -> None:
    """Skip (or fail, when REGKB_REQUIRE_BROWSER=1) before the app is started."""
    reason = missing_browser()
    if reason is None:
        return
    if os.environ.get("REGKB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"REGKB_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("browser")
    env = {**os.environ, **build_index(base), "REGKB_FEEDBACK_DB": str(base / "feedback.sqlite")}
    env.pop("REGKB_ADMIN_PASSWORD", None)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(REPO / "app.py"),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    log = (base / "streamlit.log").open("wb")
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ok(f"{url}/_stcore/health", proc, "streamlit")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def browser(tmp_path: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chrome-profile'}")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_question_shows_a_citation_card(app_url: str, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(app_url)
    wait = WebDriverWait(browser, 60)
    box = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid='stChatInputTextArea']")))
    box.send_keys("催收人员可以向债务人的同事透露欠款吗？")
    box.send_keys(Keys.ENTER)
    card = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".regkb-card")))
    assert "《示例催收规定》第" in card.text
    link = card.find_element(By.CSS_SELECTOR, "a.regkb-link")
    assert "page=browse" in (link.get_attribute("href") or "")
    # the conclusion first: a coloured badge for the label, then the line
    conclusion = browser.find_element(By.CSS_SELECTOR, ".regkb-conclusion")
    badge = conclusion.find_element(By.CSS_SELECTOR, ".regkb-verdict")
    assert badge.is_displayed() and badge.text in LABELS
    assert badge.value_of_css_property("background-color") not in ("rgba(0, 0, 0, 0)", "transparent")
    assert conclusion.location["y"] < card.location["y"]
    # each quote is shown once: highlighted in its card, not repeated anywhere else in the answer
    message = browser.find_elements(By.CSS_SELECTOR, "[data-testid='stChatMessage']")[-1]
    cards = [c for c in message.find_elements(By.CSS_SELECTOR, ".regkb-card") if c.is_displayed()]
    assert cards
    for shown in cards:
        quotes = [m.text for m in shown.find_elements(By.CSS_SELECTOR, "mark") if m.text.strip()]
        assert quotes, "every 依据 card highlights the quote it supports"
        for quote in quotes:
            assert shown.text.count(quote) == 1 and message.text.count(quote) == 1
    time.sleep(0.5)  # let the remaining elements settle before the screenshot
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "qa.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("REGKB_UPDATE_SCREENSHOT"):
        shutil.copyfile(shot, README_SHOT)

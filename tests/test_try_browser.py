"""`coach try` in a real browser: the real command, the real app, headless Chromium driving the page as a lead."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without these, Chromium on a machine with no network outside loopback refuses the page's connections.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START = "2026-11-25T10:00:00+00:00"  # a Wednesday in London, with no public holiday that week
SCREENSHOTS = os.environ.get("COACH_SCREENSHOTS")  # a directory: the run's screenshots are kept there (README)
WAIT_MS = 15_000
MRKDWN = (
    "*bold* _italic_ ~struck~ `a &lt;b&gt;` <@U0SAM> <#C0DIGEST> <https://example.com/?a=1&amp;b=2|the site> "
    "<javascript:alert(1)|click> &lt;img src=x onerror=alert(1)&gt;\n&gt; quoted\n• first"
)

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the dev install has it; CI fails below rather than skip
    sync_playwright = None


def browser_missing() -> str | None:
    """Why the browser test cannot run here, if it cannot."""
    if sync_playwright is None:
        return "playwright is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    return None


@pytest.fixture
def tried(tmp_path: Path) -> Iterator[str]:
    """`coach try --no-browser` as a lead would start it; its address. Stopped as Ctrl-C would stop it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COACH_", "DATABASE_"))}
    scratch = tmp_path / "tmp"  # where the throwaway database goes
    scratch.mkdir()
    env["TMPDIR"] = str(scratch)
    with (tmp_path / "try.log").open("w") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "try", "--no-browser", "--port", "0", "--start", START],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
        )
    assert process.stdout is not None
    with process.stdout:
        line = process.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert found, (line, (tmp_path / "try.log").read_text())
        yield found.group(0)
        process.send_signal(signal.SIGINT)  # Ctrl-C
        assert process.wait(timeout=20) == 0
        assert "Lead Coach stopped" in process.stdout.read()
    log = (tmp_path / "try.log").read_text()
    assert "Traceback" not in log, log
    assert " ERROR " not in log, log
    assert not list(scratch.iterdir()), "the throwaway database is left behind"


def shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))


def in_chromium(url: str, walk: Callable[[Page, str], None]) -> None:
    """Run `walk` on the page in headless Chromium; a script error on the page fails the test."""
    missing = browser_missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the browser test must run in CI: {missing}")
        pytest.skip(missing)
    assert sync_playwright is not None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 860})
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        expect.set_options(timeout=WAIT_MS)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            walk(page, url)
        finally:
            context.close()
            browser.close()
        assert not errors, errors


def test_a_lead_tries_the_coach_in_the_browser_from_start_to_the_weekly_digest(tried: str) -> None:
    in_chromium(tried, walk_through)


def test_the_pickers_of_the_hand_off_and_settings_modals_reach_the_app(tried: str) -> None:
    in_chromium(tried, pick_and_save)


def pick_and_save(page: Page, url: str) -> None:
    dm, box, modal = page.locator("#dm"), page.locator("#box"), page.locator("#modal")
    page.goto(url)

    # /handoff without words opens its modal: a user picker, text and a date picker.
    box.fill("/handoff")
    box.press("Enter")
    expect(modal).to_contain_text("Who owns it now?")
    modal.locator('[data-block-id="who"] select').select_option(label="Sam")
    modal.locator('[data-block-id="what"] input').fill("the release checklist")
    modal.locator('[data-block-id="due"] input').fill("2026-12-04")
    modal.locator("#modal-submit").click()
    expect(page.locator("#modal-backdrop")).to_be_hidden()
    expect(dm).to_contain_text("Recorded: the release checklist, handed to @Sam")

    # Settings from Home: a time picker, checkboxes, an external select fed by the app, a static select.
    page.locator("#tab-home").click()
    page.locator("#home").get_by_role("button", name="Settings").click()
    expect(modal).to_contain_text("Daily prompt at")
    modal.locator('[data-block-id="prompt_time"] input').fill("09:15")
    modal.locator('[data-block-id="workdays"] input').nth(4).uncheck()  # no prompt on Fridays
    modal.locator('[data-block-id="timezone"] input').fill("Berlin")
    modal.locator('[data-block-id="timezone"] select').select_option(label="Europe/Berlin")
    modal.locator('[data-block-id="summary_weekday"] select').select_option(label="Thursday")
    modal.locator("#modal-submit").click()
    expect(modal).to_contain_text("Saved. Your next prompt:")
    expect(modal).to_contain_text("09:15")
    expect(modal).to_contain_text("Europe/Berlin")
    modal.locator("#modal-close").click()
    expect(page.locator("#modal-backdrop")).to_be_hidden()
    expect(page.locator("#home")).to_contain_text("Thursday 26 Nov, 09:15")
    # The page's time and clock buttons follow the lead's new zone and schedule.
    expect(page.locator("#now")).to_contain_text("Wednesday 25 November, 11:0")
    expect(page.locator("#now")).to_contain_text("Europe/Berlin")
    expect(page.locator('[data-jump="prompt"]')).to_have_text("To tomorrow 09:15")
    expect(page.locator('[data-jump="scorecard"]')).to_have_text("To tomorrow's scorecard")


def walk_through(page: Page, url: str) -> None:
    dm, box = page.locator("#dm"), page.locator("#box")

    # The page loads, with the lead's clock.
    page.goto(url)
    expect(page.locator("#now")).to_contain_text("Wednesday 25 November, 10:0")
    expect(page.locator("#now")).to_contain_text("Europe/London")

    # The page's mrkdwn: formatting drawn, markup in the app's text shown as text and never run.
    html = page.evaluate("text => LC.mrkdwn(text, {users: {U0SAM: 'Sam'}, channels: {C0DIGEST: 'eng-leads'}})", MRKDWN)
    for drawn in (
        "<strong>bold</strong>",
        "<em>italic</em>",
        "<s>struck</s>",
        "<code>a &lt;b&gt;</code>",
        '<span class="mention">@Sam</span>',
        '<span class="mention">#eng-leads</span>',
        '<a href="https://example.com/?a=1&amp;b=2" target="_blank" rel="noopener noreferrer">the site</a>',
        "<blockquote>quoted</blockquote>",
        '<div class="li">• first</div>',
        "&lt;img src=x onerror=alert(1)&gt;",
    ):
        assert drawn in html, (drawn, html)
    assert "<img" not in html
    assert "click" in html
    assert 'href="javascript' not in html

    # /coach start: the answer only the lead sees.
    box.fill("/coach start")
    box.press("Enter")
    expect(dm.locator(".message").last).to_contain_text("Only visible to you")
    expect(dm).to_contain_text("Your next reflection prompt arrives")

    # 16:30: the real tick sends the day's prompt, with its buttons.
    page.locator('[data-jump="prompt"]').click()
    expect(page.locator("#now")).to_contain_text("16:30")
    prompt = dm.locator(".message", has=page.locator('[data-action-id="prompt_answer"]')).last
    expect(prompt).to_be_visible()

    # An answer in its thread, and the acknowledgement with its buttons.
    prompt.locator(".reply-link").click()
    box.fill("Told Sam I was wrong about the cache design; he took over the review and ran it well.")
    box.press("Enter")
    thread = prompt.locator(".replies")
    expect(thread).to_contain_text("Told Sam I was wrong")
    expect(thread).to_contain_text("Logged:")
    share = thread.locator('[data-action-id="entry_make_shareable"]')
    expect(share).to_be_visible()
    share.click()
    expect(thread.locator('[data-action-id="entry_make_private"]')).to_be_visible()
    shot(page, "try-dm")

    # Home shows the entry.
    page.locator("#tab-home").click()
    expect(page.locator("#home")).to_contain_text("Told Sam I was wrong", timeout=WAIT_MS)
    shot(page, "try-home")
    page.locator("#tab-messages").click()

    # /why-am-i-coding: the modal, its field errors, then a verdict.
    box.fill("/why-am-i-coding the retry helper for the payments client")
    box.press("Enter")
    modal = page.locator("#modal")
    expect(modal).to_contain_text("Why am I coding?")
    expect(modal.locator('[data-action-id="value"]').first).to_have_value("the retry helper for the payments client")
    modal.locator("#modal-submit").click()
    expect(modal.locator(".field-error").first).to_be_visible()
    shot(page, "try-modal")
    modal.locator('[data-block-id="ownership"] input').first.check()
    modal.locator('[data-block-id="pull"] input').last.check()
    modal.locator('[data-block-id="hours"] input').fill("6")
    modal.locator("#modal-submit").click()
    expect(page.locator("#modal-backdrop")).to_be_hidden()
    expect(dm).to_contain_text("Why am I coding?")
    expect(dm.locator('[data-action-id="diagnostic_outcome_delegated"]')).to_be_visible()

    # Friday: the digest at 16:00 and the scorecard at 16:30, with its chart.
    page.locator('[data-jump="scorecard"]').click()
    expect(page.locator("#now")).to_contain_text("Friday 27 November, 16:30")
    expect(dm).to_contain_text("Your week")
    chart = dm.locator('img[src^="/files/"]').last
    expect(chart).to_be_visible()
    assert chart.evaluate("image => image.complete && image.naturalWidth > 100")
    chart.scroll_into_view_if_needed()
    shot(page, "try-scorecard")

    # The digest in the channel, with the shared entry.
    page.locator("#open-digest").click()
    channel = page.locator("#channel")
    expect(channel).to_contain_text("Team digest")
    expect(channel).to_contain_text("Told Sam I was wrong")
    shot(page, "try-digest")

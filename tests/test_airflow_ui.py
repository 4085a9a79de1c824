"""The way a user does it: log in to the local Airflow's UI in headless Chromium, open news_nightly, start a backfill of
the example days from the backfill dialog, watch its runs succeed, then find the warehouse filled."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .airflow_support import DAYS, article_days, articles, cli_run, running_airflow
from .browser import launch, require_chromium

pytestmark = [pytest.mark.integration, pytest.mark.timeout(2400)]

RUN_IDS = [f"backfill__{day}T18:00:00+00:00" for day in DAYS]  # run after 02:00 Asia/Shanghai the next morning


def test_backfill_from_the_ui(tmp_path: Path) -> None:
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    shots = tmp_path / "screenshots"
    shots.mkdir()
    with running_airflow(tmp_path / "airflow") as local, sync_playwright() as pw:
        data = local.data_dir
        assert data is not None
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        try:
            page.goto(local.base_url + "/")
            page.locator("input[name=username]").fill(local.user)
            page.locator("input[name=password]").fill(local.password)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(local.base_url + "/")

            page.goto(local.base_url + "/dags/news_nightly")
            expect(page.get_by_text("local day, Asia/Shanghai")).to_be_visible()
            page.get_by_role("button", name="Trigger Dag").click()
            dialog = page.get_by_role("dialog")
            dialog.locator("label[id$=':radio:backfill']").click()
            expect(dialog.get_by_role("heading").first).to_contain_text("Run Backfill")
            # The date pickers show UTC: the first and last example days at midnight.
            for n, (label, day) in enumerate((("From", DAYS[0]), ("To", DAYS[-1]))):
                picker = dialog.get_by_test_id("datetime-input").nth(n)
                picker.click()
                date_input = page.get_by_role("textbox", name=label, exact=True)
                date_input.fill(day.replace("-", "/"))
                popover = date_input.locator("xpath=ancestor::*[@data-part='content'][1]")
                time_input = popover.get_by_placeholder("HH:mm")
                time_input.fill("00:00")
                time_input.press("Enter")
                dialog.get_by_text("Date Range").click()  # closes the picker
                expect(date_input).to_be_hidden()
                expect(picker).to_contain_text(f"{int(day[-2:])}, {day[:4]} 00:00")  # "Sep 20, 2021 00:00"
            expect(dialog.get_by_text("3 runs will be triggered.")).to_be_visible()
            page.screenshot(path=str(shots / "dialog.png"))
            run = dialog.get_by_role("button", name="Run Backfill")
            expect(run).to_be_enabled()
            run.click()
            expect(page.get_by_text("Backfill in progress", exact=False)).to_be_visible()

            deadline = time.monotonic() + 1200
            while True:
                page.goto(local.base_url + "/dags/news_nightly/runs")
                rows = {rid: page.locator("tr", has_text=rid) for rid in RUN_IDS}
                page.wait_for_timeout(3000)
                states = {rid: row.inner_text() if row.count() else "" for rid, row in rows.items()}
                if all("Success" in text for text in states.values()):
                    break
                assert not any("Failed" in text for text in states.values()), states
                assert time.monotonic() < deadline, states
                page.wait_for_timeout(5000)
            page.screenshot(path=str(shots / "runs.png"), full_page=True)
        except Exception:
            page.screenshot(path=str(shots / "failure.png"), full_page=True)
            raise
        finally:
            browser.close()

        assert article_days(data) == list(DAYS)
        cli_run(tmp_path / "cli")
        assert articles(data) == articles(tmp_path / "cli")

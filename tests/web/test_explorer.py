"""The explorer in real headless Chromium (Debian's, through Playwright) against `jadechain dev`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from jadechain import codec
from jadechain.api import LedgerInfo
from jadechain.crypto import KeyPair
from jadechain.crypto.keyfile import load, open_key
from jadechain.ledger import model as m
from jadechain.ledger.transactions import new_content, sign
from jadechain.ledger.values import Text
from jadechain.testing.processes import dev_process, free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class Seeded:
    def __init__(self, base: str, data: Path) -> None:
        self.base = base
        [summary] = httpx.get(f"{base}/api/v1/ledgers").json()
        self.info = codec.from_json(
            httpx.get(f"{base}/api/v1/ledgers/{summary['id']}").content, LedgerInfo
        )
        self.admin = open_key(load(data / "keys" / "admin.key.json"), None)
        self.account = KeyPair.generate(self.admin.algorithm)
        self.submit([m.RegisterDataAccount(self.account.public)])
        self.submit(
            [m.SetEntries(self.account.address, [m.EntryWrite("lot-7", Text("harvested"), m.NEW)])]
        )
        self.last = self.submit(
            [m.SetEntries(self.account.address, [m.EntryWrite("lot-7", Text("shipped"), 0)])]
        )

    def submit(self, operations: list[m.Operation]) -> str:
        content = new_content(self.info.id, operations, time.time_ns() // 1_000_000)
        url = f"{self.base}/api/v1/ledgers/{self.info.id.to_base58()}/txs"
        response = httpx.post(url, content=codec.to_json(sign(content, [self.admin])), timeout=30)
        assert response.status_code == 200, response.text
        return str(response.json()["tx_hash"])


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    data, port = tmp_path_factory.mktemp("dev"), free_port()
    with dev_process(data, port):
        yield Seeded(f"http://127.0.0.1:{port}", data)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def test_home_shows_the_ledger_and_latest_blocks_refresh(
    seeded: Seeded, page: Page, tmp_path: Path
) -> None:
    page.goto(seeded.base + "/")
    expect(page.get_by_role("heading", name="Ledger dev")).to_be_visible()
    first_height = page.locator("#latest-blocks tbody tr").first.locator("td").first
    before = int(first_height.inner_text())
    assert before >= 3
    seeded.submit([m.SetEntries(seeded.account.address, [m.EntryWrite("new", Text("x"), m.NEW)])])
    expect(first_height).to_have_text(str(before + 1), timeout=10_000)  # refreshed by itself
    page.screenshot(path=str(tmp_path / "home.png"))


def test_block_to_transaction_with_its_result(seeded: Seeded, page: Page) -> None:
    page.goto(seeded.base + "/")
    page.locator("#latest-blocks tbody tr a").first.click()
    expect(page.get_by_role("heading", name="Block")).to_be_visible()
    page.locator("#block-transactions a").first.click()
    expect(page.get_by_role("heading", name="Transaction")).to_be_visible()
    expect(page.locator("text=success").first).to_be_visible()


def test_search_address_then_entry_history(seeded: Seeded, page: Page) -> None:
    page.goto(seeded.base + "/")
    page.fill("#search-input", seeded.account.address)
    page.click("#search button")
    expect(page.get_by_role("heading", name="data account")).to_be_visible()
    page.locator("#entries a", has_text="lot-7").click()
    expect(page.get_by_role("heading", name="Entry lot-7")).to_be_visible()
    rows = page.locator("#history tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("shipped")


def test_search_transaction_hash_and_nonsense(seeded: Seeded, page: Page) -> None:
    page.goto(seeded.base + "/")
    page.fill("#search-input", seeded.last)
    page.click("#search button")
    expect(page.get_by_role("heading", name="Transaction")).to_be_visible()
    page.fill("#search-input", "no-such-thing")
    page.click("#search button")
    expect(page.get_by_role("alert")).to_contain_text("nothing found")

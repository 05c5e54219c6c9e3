"""Helpers of the browser tests (a uniquely named module: `from conftest import` could find another folder's)."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: Screenshots of every page the tests open (gitignored); docs/explorer.png is one of them.
SHOTS = ROOT / ".cache" / "explorer-screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
INSTALL_HINT = "the browser tests need Debian's chromium: apt-get install -y chromium (as root; `make test` does it)"


def chromium_path() -> "str | None":
    return shutil.which("chromium") or shutil.which("chromium-browser")


def shot(page, name: str, full_page: bool = True, until: "str | None" = None) -> Path:
    """Screenshot into SHOTS; ``until``: only down to the bottom of that element."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    clip = None
    if until is not None:
        box = page.locator(until).bounding_box()
        clip = {"x": 0, "y": 0, "width": page.viewport_size["width"], "height": box["y"] + box["height"] + 24}
    page.screenshot(path=str(path), full_page=full_page, clip=clip)
    return path

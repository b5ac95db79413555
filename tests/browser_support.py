"""What every real-browser test shares: Debian's Chromium, driven by Playwright, never downloaded."""

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
# As root, without a sandbox; no background connections (this machine's network is closed).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-dev-shm-usage"]


def require_browser():
    """Fail (never skip) when the browser or Playwright is missing, naming the fix."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium). "
                    "This test never downloads a browser.", pytrace=False)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.fail("The Python package playwright is missing (uv pip install --python .venv/bin/python playwright); "
                    "it drives /usr/bin/chromium, no 'playwright install' needed.", pytrace=False)

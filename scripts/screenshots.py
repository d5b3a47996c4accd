"""Re-take the home page screenshots in docs/screenshots/ with headless Chromium.

    python scripts/screenshots.py   # zh-CN, light: home.png (1280x800), home-phone.png (390x844)
    python scripts/screenshots.py --scheme dark --locale en --out /some/dir

Serves the app on loopback from a throwaway SQLite database in a temporary folder.
Chinese text needs a CJK font on the machine (Debian: apt-get install fonts-noto-cjk).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from anxin.core.config import Settings  # noqa: E402
from anxin.core.i18n import LOCALE_COOKIE  # noqa: E402
from anxin.core.migrate import upgrade  # noqa: E402
from anxin.main import create_app  # noqa: E402
from tests.browser.chromium import launch_options  # noqa: E402
from tests.support.live_server import live_server  # noqa: E402

SHOTS = {
    "home.png": {"width": 1280, "height": 800},
    "home-phone.png": {"width": 390, "height": 844},
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--locale", choices=["zh-CN", "en"], default="zh-CN")
    parser.add_argument("--scheme", choices=["light", "dark"], default="light")
    parser.add_argument("--path", default="/", help="page to photograph")
    parser.add_argument("--full-page", action="store_true", help="the whole page, not only the first screen")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory() as home:
        database_url = f"sqlite+aiosqlite:///{Path(home) / 'anxin.db'}"
        upgrade(database_url)
        app = create_app(Settings(home=Path(home), database_url=database_url, environment="test"))
        with live_server(app) as base_url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(**launch_options())
            try:
                for name, viewport in SHOTS.items():
                    context = browser.new_context(
                        viewport=viewport,
                        color_scheme=args.scheme,
                        locale=args.locale,
                        is_mobile=viewport["width"] < 600,
                        has_touch=viewport["width"] < 600,
                    )
                    context.add_cookies([{"name": LOCALE_COOKIE, "value": args.locale, "url": base_url}])
                    page = context.new_page()
                    page.goto(base_url + args.path)
                    page.screenshot(path=str(args.out / name), full_page=args.full_page)
                    context.close()
                    print(args.out / name)
            finally:
                browser.close()


if __name__ == "__main__":
    main()

"""Where the order page's time goes: cProfile over a loop of test-client requests.

    python bench/profile_order_page.py                 # with the rendered-page cache (as served)
    python bench/profile_order_page.py --no-cache      # every request renders the page
    python bench/profile_order_page.py --bare          # the bare Flask app, for comparison
    python bench/profile_order_page.py --time-only     # no profiler, just the time per request

Uses a throw-away SQLite database (or DATABASE_URL) prepared by bench/prepare.py.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--no-cache", action="store_true", help="ORDER_PAGE_CACHE_SIZE=0")
    parser.add_argument("--bare", action="store_true", help="profile bench/bare_app.py instead")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime)")
    parser.add_argument("--time-only", action="store_true", help="no profiler: the time per request only")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="apuri-profile-")
    try:
        return profile(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def profile(args: argparse.Namespace, workdir: str) -> int:
    os.environ.setdefault("APURI_INSTANCE_DIR", workdir)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/profile.sqlite3")
    os.environ.setdefault("SECRET_KEY", "apuri-profile-secret")
    os.environ["APURI_ENV"] = "production"
    os.environ["APURI_BENCHMARK_ONLY"] = "1"  # SQLite on this machine: the start-up check only warns
    os.environ["SESSION_COOKIE_SECURE"] = "false"
    os.environ["LOG_LEVEL"] = "WARNING"
    if args.no_cache:
        os.environ["ORDER_PAGE_CACHE_SIZE"] = "0"

    if args.bare:
        from bare_app import app

        client = app.test_client()
        url = "/"
    else:
        from flask_migrate import upgrade
        from prepare import prepare

        from portal import create_app
        from portal.buyers.access import order_link

        app = create_app()
        with app.app_context():
            upgrade()
            link = order_link(prepare(20, 30))
        client = app.test_client()
        answer = client.get(link.removeprefix(app.config["PUBLIC_BASE_URL"]))
        url = answer.headers["Location"]

    for _ in range(50):  # warm up: imports, compiled templates, the page cache
        assert client.get(url).status_code == 200
    if args.time_only:
        started = time.perf_counter()
        for _ in range(args.requests):
            client.get(url)
        elapsed = time.perf_counter() - started
        print(f"{args.requests} requests to {url}: {elapsed / args.requests * 1000:.3f} ms each")
        return 0
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(args.requests):
        client.get(url)
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"{args.requests} requests to {url}: {elapsed / args.requests * 1000:.3f} ms each under the profiler")
    pstats.Stats(profiler).strip_dirs().sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())

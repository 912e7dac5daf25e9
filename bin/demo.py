#!/usr/bin/env python
"""`make demo`: services, migrations, the demo site, then the platform and the sample blog.

Ctrl-C stops the servers and whichever embedded database/cache this run started.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
PORT = int(os.environ.get("PORT", "8000"))
BLOG_PORT = int(os.environ.get("BLOG_PORT", "8001"))


def manage(*args: str) -> None:
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], check=True, cwd=ROOT)


def main() -> int:
    from palaver import devservices

    os.environ.setdefault("PLATFORM_PORT", str(PORT))
    # The children (manage.py, gunicorn) inherit the services' URLs and reuse them.
    started = devservices.ensure_environment()
    os.environ["PALAVER_QUIET"] = "1"  # the children reuse the services announced above
    children: list[subprocess.Popen[bytes]] = []

    def stop(*_: object) -> None:
        # A second Ctrl-C (or the terminal's SIGTERM) must not cut the clean-up short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        if started:
            devservices.stop(started)
            print(f"palaver: stopped the embedded {', '.join(sorted(started))}")

    try:
        manage("migrate", "--noinput", "-v", "0")
        manage("collectstatic", "--noinput", "-v", "0")
        # The demo site must allow the blog's origin on whatever port it runs on.
        manage("seed_demo", "--blog-port", str(BLOG_PORT))
        env = {**os.environ, "BIND": f"127.0.0.1:{PORT}"}
        children.append(
            subprocess.Popen(
                [str(Path(PYTHON).parent / "gunicorn"), "-c", "deploy/gunicorn.conf.py"],
                cwd=ROOT,
                env=env,
            )
        )
        blog = ROOT / "demo" / "blog_server.py"
        if blog.exists():
            children.append(
                subprocess.Popen(
                    [
                        PYTHON,
                        str(blog),
                        "--port",
                        str(BLOG_PORT),
                        "--platform",
                        f"http://demo.localhost:{PORT}",
                    ],
                    cwd=ROOT,
                )  # fmt: skip
            )
        time.sleep(1.5)
        print(
            f"""
  Palaver is running.

  Platform site (sign up):   http://localhost:{PORT}/
  Demo site dashboard:       http://demo.localhost:{PORT}/dashboard/
      log in as owner@demo.example / palaver-demo
  Sample blog (embeds it):   http://localhost:{BLOG_PORT}/
  API docs:                  http://demo.localhost:{PORT}/api/docs/

  Press Ctrl-C to stop.
""",
            flush=True,
        )
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("palaver: a server exited; stopping", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop()


if __name__ == "__main__":
    raise SystemExit(main())

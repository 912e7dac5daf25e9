"""Serve the sample blog in demo/blog/ with the comment widget wired to a Palaver site.

    python demo/blog_server.py --port 8001 --platform http://demo.localhost:8000

Every page is served with `{{PLATFORM}}` replaced by the site's origin (where embed.js and
count.js come from) and `{{BLOG}}` by this blog's own origin, `http://localhost:<port>`, so
each post's `data-url` is its canonical URL. The site must list http://localhost:<port> (and
http://127.0.0.1:<port> if you browse by IP) among its allowed origins.
"""

import argparse
import mimetypes
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

BLOG_DIR = Path(__file__).resolve().parent / "blog"
TEXT_TYPES = (".html", ".css", ".js")


class BlogHandler(BaseHTTPRequestHandler):
    server_version = "PalaverDemoBlog"

    def __init__(self, *args: object, platform: str, blog: str, **kwargs: object) -> None:
        self.platform = platform
        self.blog = blog
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.respond(head_only=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self.respond(head_only=True)

    def respond(self, *, head_only: bool) -> None:
        path = self.resolve(unquote(urlsplit(self.path).path))
        if path is None:
            return self.send_body(404, b"<h1>Not found</h1>", "text/html", head_only)
        body = path.read_bytes()
        if path.suffix in TEXT_TYPES:
            text = body.decode().replace("{{PLATFORM}}", self.platform)
            body = text.replace("{{BLOG}}", self.blog).encode()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self.send_body(200, body, content_type, head_only)

    def resolve(self, url_path: str) -> Path | None:
        """The file for a URL path, never outside the blog folder."""
        candidate = (BLOG_DIR / url_path.lstrip("/")).resolve()
        if candidate.is_dir():
            candidate = candidate / "index.html"
        if not candidate.is_relative_to(BLOG_DIR) or not candidate.is_file():
            return None
        return candidate

    def send_body(self, status: int, body: bytes, content_type: str, head_only: bool) -> None:
        self.send_response(status)
        charset = "; charset=utf-8" if content_type.startswith("text/") else ""
        self.send_header("Content-Type", content_type + charset)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if not head_only:
            self.wfile.write(body)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--platform",
        default="http://demo.localhost:8000",
        help="origin of the Palaver site that serves the comments",
    )
    args = parser.parse_args(argv)
    blog = f"http://localhost:{args.port}"
    handler = partial(BlogHandler, platform=args.platform.rstrip("/"), blog=blog)
    server = ThreadingHTTPServer((args.bind, args.port), handler)
    print(f"Demo blog on {blog}/ with comments from {args.platform}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

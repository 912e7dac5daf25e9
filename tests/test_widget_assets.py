"""The widget scripts: size budgets, source rules, and how /embed.js and /count.js are served."""

import gzip
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

from tenants.models import Tenant

WIDGET = Path(__file__).resolve().parents[1] / "widget"
# The readable source's budget until the build minifies it (then: 8 KiB for the built file).
BUDGETS = {"embed.js": 10.5 * 1024, "count.js": 1024}


def gzipped_size(path: Path) -> int:
    """Size after `gzip -9`; Python's zlib (never smaller) stands in where gzip is missing."""
    if shutil.which("gzip"):
        out = subprocess.run(["gzip", "-9", "-c", str(path)], capture_output=True, check=True)  # noqa: S603, S607
        return len(out.stdout)
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


@pytest.mark.parametrize("name", BUDGETS)
def test_it_fits_the_size_budget(name: str) -> None:
    size = gzipped_size(WIDGET / name)
    assert size <= BUDGETS[name], f"{name} is {size} bytes gzipped; the budget is {BUDGETS[name]}"


@pytest.mark.parametrize("name", BUDGETS)
def test_the_source_is_one_strict_iife(name: str) -> None:
    source = (WIDGET / name).read_text()
    code = re.sub(r"/\*.*?\*/", "", source, count=1, flags=re.S).strip()
    assert code.startswith('(() => {\n  "use strict";'), "one IIFE in strict mode"
    assert code.endswith("})();")
    assert "eval(" not in source and "new Function" not in source
    assert "document.write" not in source
    # Readable, not minified: no line longer than a screen.
    assert max(len(line) for line in source.splitlines()) <= 110


def test_embed_js_inserts_html_in_one_place_only() -> None:
    source = (WIDGET / "embed.js").read_text()
    # The server-sanitized body is the only HTML the widget inserts; all else is text.
    assert re.findall(r"\.(?:innerHTML|outerHTML)\s*=[^;]*", source) == [".innerHTML = c.html"]
    assert "insertAdjacentHTML" not in source
    assert "window.Palaver =" in source
    assert not re.search(r"\bwindow\.(?!Palaver\b|EventSource\b)\w+\s*=", source)


def test_embed_js_speaks_every_locale_completely() -> None:
    source = (WIDGET / "embed.js").read_text()
    strings = source[source.index("const STRINGS") : source.index("const requested")]
    blocks = dict(re.findall(r"\n    (\w\w): \{(.*?)\n    \}", strings, flags=re.S))
    assert set(blocks) == {"en", "es", "de"}
    keys = {lang: set(re.findall(r"(?:^|[\s,])(\w+): \"", body)) for lang, body in blocks.items()}
    assert len(keys["en"]) > 40
    assert keys["es"] == keys["en"]
    assert keys["de"] == keys["en"]


@pytest.fixture
def get(client_for: Callable[[Tenant], Client], alpha: Tenant) -> Callable[..., object]:
    client = client_for(alpha)
    return lambda path, **headers: client.get(path, headers=headers)


@pytest.mark.parametrize("name", BUDGETS)
def test_it_serves_the_script_gzipped(get: Callable[..., object], name: str) -> None:
    response = get(f"/{name}", accept_encoding="gzip, deflate, br")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response["Content-Encoding"] == "gzip"  # type: ignore[index]
    assert response["Content-Type"] == "text/javascript; charset=utf-8"  # type: ignore[index]
    assert response["Vary"] == "Accept-Encoding"  # type: ignore[index]
    assert response["Cache-Control"] == "public, max-age=300"  # type: ignore[index]
    assert response["Access-Control-Allow-Origin"] == "*"  # type: ignore[index]
    assert gzip.decompress(response.content) == (WIDGET / name).read_bytes()  # type: ignore[attr-defined]


@pytest.mark.parametrize("accept", ["", "identity", "gzip;q=0, deflate", "br"])
def test_it_serves_plain_bytes_to_clients_without_gzip(
    get: Callable[..., object], accept: str
) -> None:
    response = get("/embed.js", accept_encoding=accept)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert not response.has_header("Content-Encoding")  # type: ignore[attr-defined]
    assert response.content == (WIDGET / "embed.js").read_bytes()  # type: ignore[attr-defined]


def test_it_answers_304_to_a_matching_etag(get: Callable[..., object]) -> None:
    first = get("/embed.js", accept_encoding="gzip")
    etag = first["ETag"]  # type: ignore[index]
    assert re.fullmatch(r'"[0-9a-f]{20}-gz"', etag), "a strong ETag per representation"
    plain_etag = get("/embed.js")["ETag"]  # type: ignore[index]
    assert plain_etag != etag

    again = get("/embed.js", accept_encoding="gzip", if_none_match=etag)
    assert again.status_code == 304  # type: ignore[attr-defined]
    assert again.content == b""  # type: ignore[attr-defined]
    assert again["ETag"] == etag  # type: ignore[index]
    assert again["Cache-Control"] == "public, max-age=300"  # type: ignore[index]

    assert get("/embed.js", if_none_match=f'"other", {plain_etag}').status_code == 304  # type: ignore[attr-defined]
    assert get("/embed.js", if_none_match='"stale"').status_code == 200  # type: ignore[attr-defined]


def test_it_serves_every_tenant_host_and_no_other(
    client_for: Callable[[Tenant], Client], beta: Tenant, public_client: Client
) -> None:
    assert client_for(beta).get("/count.js").status_code == 200
    assert public_client.get("/embed.js").status_code == 404
    assert Client(HTTP_HOST="nosuch.localhost").get("/embed.js").status_code == 404


def test_it_refuses_writes(client_for: Callable[[Tenant], Client], alpha: Tenant) -> None:
    client = client_for(alpha)
    assert client.head("/embed.js").status_code == 200
    assert client.post("/embed.js").status_code == 405


def test_a_hot_request_runs_no_sql(
    get: Callable[..., object], django_assert_num_queries: Callable[..., object]
) -> None:
    get("/embed.js")  # resolves and caches the host
    with django_assert_num_queries(0):  # type: ignore[attr-defined]
        assert get("/embed.js", accept_encoding="gzip").status_code == 200  # type: ignore[attr-defined]

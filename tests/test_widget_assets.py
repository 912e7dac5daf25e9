"""The built widget (widget/dist): size budgets, freshness, locales, and how it is served."""

import gzip
import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import Client

from tenants.models import Tenant

WIDGET = Path(__file__).resolve().parents[1] / "widget"
DIST = WIDGET / "dist"
LOCALES = sorted(path.stem for path in (WIDGET / "src" / "locales").glob("*.json"))
# gzip -9 bytes. embed.js carries English; every other locale is fetched only when asked for.
BUDGETS = {
    "embed.js": 8 * 1024,
    "count.js": 1024,
    "sso.js": 2048,  # fetched only by pages that sign readers in
    "oidc.js": 2048,  # fetched only by sites with sign-in providers
    "permalink.js": 1024,  # fetched only by pages opened at #comment-<id>
    # Fetched only for sites with sign-in by e-mail link; carries its strings in 12 languages.
    "signin.js": 4096,
    # Fetched only for readers holding a token; its strings in all twelve languages.
    "privacy.js": 4096,
    **{f"locales/{code}.json": 1024 for code in LOCALES if code != "en"},
}


def gzipped_size(path: Path) -> int:
    """Size after `gzip -9`; Python's zlib (never smaller) stands in where gzip is missing."""
    if shutil.which("gzip"):
        out = subprocess.run(["gzip", "-9", "-c", str(path)], capture_output=True, check=True)  # noqa: S603, S607
        return len(out.stdout)
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


@pytest.mark.parametrize("name", BUDGETS)
def test_the_built_file_fits_the_size_budget(name: str) -> None:
    size = gzipped_size(DIST / name)
    assert size <= BUDGETS[name], f"{name} is {size} bytes gzipped; the budget is {BUDGETS[name]}"


def test_the_build_is_up_to_date_with_its_sources() -> None:
    # widget/dist/SOURCES holds the sha256 of every input of the last build; `make widget`
    # rewrites it. `make widget-check` (with Node) proves the build itself reproduces.
    lines = (DIST / "SOURCES").read_text().splitlines()
    recorded = {name: digest for digest, name in (line.split("  ", 1) for line in lines)}
    inputs = {
        str(path.relative_to(WIDGET)) for path in (WIDGET / "src").rglob("*") if path.is_file()
    }
    assert set(recorded) == inputs | {"build.mjs", "package-lock.json"}, "run `make widget`"
    for name, digest in recorded.items():
        actual = hashlib.sha256((WIDGET / name).read_bytes()).hexdigest()
        assert actual == digest, f"{name} changed since the last build: run `make widget`"


@pytest.mark.parametrize(
    "name",
    ["embed.js", "count.js", "sso.js", "oidc.js", "permalink.js", "signin.js", "privacy.js"],
)
def test_each_built_script_is_one_iife(name: str) -> None:
    code = (DIST / name).read_text()
    banner, _, body = code.partition("\n")
    assert banner.startswith("/* Palaver: built from widget/src")
    iife = body.startswith("(()=>{") and body.endswith("})();\n")
    # A part with no state of its own may come out of the minifier as its one assignment.
    registration = re.fullmatch(r"window\.Palaver\.\w+=\{[^;]*(;[^;]*)*\};\n", body) is not None
    assert iife or registration, "one IIFE (or one window.Palaver.<part> =), nothing global"


# The plural categories of Intl.PluralRules (CLDR); a count says at least "other".
PLURAL_CATEGORIES = {"zero", "one", "two", "few", "many", "other"}


def placeholders(text: str | dict[str, str]) -> set[str]:
    """The {names} a string fills in; for a count, those of all its forms together."""
    forms = text.values() if isinstance(text, dict) else [text]
    return {name for form in forms for name in re.findall(r"\{\w+\}", form)}


def test_every_locale_says_everything_english_says() -> None:
    english = json.loads((WIDGET / "src/locales/en.json").read_text())
    assert len(english) > 40
    assert len(LOCALES) >= 12
    assert {"en", "es", "de", "fr", "it", "pt", "nl", "pl", "ja", "zh", "ar", "he"} <= set(LOCALES)
    for code in LOCALES:
        strings = json.loads((WIDGET / f"src/locales/{code}.json").read_text())
        assert set(strings) == set(english), (code, set(english) ^ set(strings))
        assert strings["dir"] == ("rtl" if code in {"ar", "he"} else "ltr"), code
        for key, text in strings.items():
            assert type(text) is type(english[key]), (code, key)
            if isinstance(text, dict):
                assert "other" in text and set(text) <= PLURAL_CATEGORIES, (code, key)
                # A form may spell its number out ("one comment"), never name another thing.
                assert placeholders(text) <= placeholders(english[key]), (code, key)
                assert "{n}" in text["other"], (code, key)
            else:
                assert text.strip(), (code, key)
                assert placeholders(text) == placeholders(english[key]), (code, key)
    # The build lists the locales for embed.js, and ships each but English as a file.
    assert json.dumps(LOCALES, separators=(",", ":")) in (DIST / "embed.js").read_text()
    assert sorted(path.stem for path in (DIST / "locales").glob("*.json")) == [
        code for code in LOCALES if code != "en"
    ]


@pytest.fixture
def get(client_for: Callable[[Tenant], Client], alpha: Tenant) -> Callable[..., object]:
    client = client_for(alpha)
    return lambda path, **headers: client.get(path, headers=headers)


@pytest.mark.parametrize(
    "name",
    ["embed.js", "count.js", "sso.js", "oidc.js", "permalink.js", "signin.js", "privacy.js"],
)
def test_it_serves_the_script_gzipped(get: Callable[..., object], name: str) -> None:
    response = get(f"/{name}", accept_encoding="gzip, deflate, br")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response["Content-Encoding"] == "gzip"  # type: ignore[index]
    assert response["Content-Type"] == "text/javascript; charset=utf-8"  # type: ignore[index]
    assert response["Vary"] == "Accept-Encoding"  # type: ignore[index]
    assert response["Cache-Control"] == "public, max-age=300"  # type: ignore[index]
    assert response["Access-Control-Allow-Origin"] == "*"  # type: ignore[index]
    assert gzip.decompress(response.content) == (DIST / name).read_bytes()  # type: ignore[attr-defined]


@pytest.mark.parametrize("accept", ["", "identity", "gzip;q=0, deflate", "br"])
def test_it_serves_plain_bytes_to_clients_without_gzip(
    get: Callable[..., object], accept: str
) -> None:
    response = get("/embed.js", accept_encoding=accept)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert not response.has_header("Content-Encoding")  # type: ignore[attr-defined]
    assert response.content == (DIST / "embed.js").read_bytes()  # type: ignore[attr-defined]


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


def test_it_serves_the_locales_that_exist_and_no_other_file(get: Callable[..., object]) -> None:
    response = get("/locales/de.json", accept_encoding="gzip")
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/json"  # type: ignore[index]
    assert response["Access-Control-Allow-Origin"] == "*"  # type: ignore[index]
    strings = json.loads(gzip.decompress(response.content))  # type: ignore[attr-defined]
    assert strings["write"] == "Kommentar schreiben"
    for path in ("/locales/en.json", "/locales/xx.json", "/locales/../SOURCES", "/SOURCES"):
        assert get(path).status_code == 404, path  # type: ignore[attr-defined]


@pytest.mark.parametrize("part", ["sso.js", "signin.js"])
def test_each_sign_in_part_speaks_every_locale(part: str) -> None:
    # The parts carry their few strings themselves, one object per language, keyed alike.
    source = (WIDGET / "src" / part).read_text()
    table = source[source.index("const STRINGS = {") : source.index("\n};\n")]
    blocks = dict(re.findall(r"\n  (\w\w): \{(.*?)\}", table, flags=re.DOTALL))
    assert set(blocks) == set(LOCALES), part
    keys = {code: set(re.findall(r'(?:^|,)\s*(\w+): "', text)) for code, text in blocks.items()}
    assert len(keys["en"]) >= 3 and all(found == keys["en"] for found in keys.values()), keys

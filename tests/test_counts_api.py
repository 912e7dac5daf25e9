"""Comment counts for index pages: POST for long lists of real URLs, GET for short ones."""

import pytest

from tests.conftest import PAGE

pytestmark = pytest.mark.django_db


def real_urls(count: int) -> list[str]:
    """Post URLs as blogs write them: a date path, a long slug, a tracking parameter."""
    return [
        f"https://alpha.example/2024/05/{i:03d}-why-our-maps-moved-to-postgresql-and-what"
        f"-we-learned-along-the-way/?utm_source=newsletter&utm_medium=email"
        for i in range(count)
    ]


def test_it_counts_500_real_length_urls_in_one_post(api):
    urls = real_urls(500)
    assert sum(len(url) for url in urls) > 50_000  # far past any request-line limit
    api.post_comment("one", url=urls[7])
    api.post_comment("two", url=urls[7])
    api.post_comment("three", url=urls[499].split("?")[0])
    response = api.send("POST", "/api/v1/counts", {"urls": urls})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == urls  # keyed by the URLs exactly as sent
    assert body[urls[7]] == 2
    assert body[urls[499]] == 1
    assert sum(body.values()) == 3
    assert response["Cache-Control"] == "no-store"


def test_post_and_get_agree_and_both_are_served_from_the_cache(api, django_assert_num_queries):
    api.post_comment("one")
    urls = [PAGE + "#comments", "https://alpha.example/none", "not a url", ""]
    posted = api.send("POST", "/api/v1/counts", {"urls": urls}).json()
    assert posted == {urls[0]: 1, urls[1]: 0, urls[2]: 0, urls[3]: 0}
    with django_assert_num_queries(0):
        again = api.send("POST", "/api/v1/counts", {"urls": urls[:2]}).json()
        assert again == {urls[0]: 1, urls[1]: 0}
        assert api.get("/api/v1/counts", {"url": urls[:2]}).json() == again


def test_a_write_refreshes_posted_counts(api):
    api.post_comment("one")
    assert api.send("POST", "/api/v1/counts", {"urls": [PAGE]}).json() == {PAGE: 1}
    api.post_comment("two")
    assert api.send("POST", "/api/v1/counts", {"urls": [PAGE]}).json() == {PAGE: 2}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"urls": []},
        {"urls": PAGE},
        {"urls": [PAGE, 42]},
        {"urls": [PAGE, None]},
        {"urls": [f"https://alpha.example/{i}" for i in range(1001)]},
        [PAGE],
        "urls",
    ],
)
def test_a_bad_post_body_is_a_400_naming_the_field(api, body):
    response = api.send("POST", "/api/v1/counts", body if body != "urls" else "{not json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] in ("invalid", "parse_error")
    assert error["message"]


def test_a_post_body_past_the_upload_limit_is_a_413(api):
    urls = [f"https://alpha.example/{'x' * 1990}"] * 200
    response = api.send("POST", "/api/v1/counts", {"urls": urls})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_the_post_passes_the_cors_preflight_for_the_sites_origins_only(api):
    preflight = api.client.options(
        "/api/v1/counts",
        HTTP_ORIGIN="https://alpha.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "https://alpha.example"
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    assert "content-type" in preflight["Access-Control-Allow-Headers"]
    posted = api.send(
        "POST", "/api/v1/counts", {"urls": [PAGE]}, HTTP_ORIGIN="https://alpha.example"
    )
    assert posted["Access-Control-Allow-Origin"] == "https://alpha.example"

    stranger = api.client.options(
        "/api/v1/counts",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert "Access-Control-Allow-Origin" not in stranger


def test_get_still_caps_at_100_and_points_to_post(api):
    response = api.get(
        "/api/v1/counts", {"url": [f"https://alpha.example/{i}" for i in range(101)]}
    )
    assert response.status_code == 400
    assert "POST" in response.json()["error"]["fields"]["url"][0]


def test_a_posted_count_never_includes_another_sites_threads(api, api_for, beta):
    api.post_comment("on alpha")
    assert api.send("POST", "/api/v1/counts", {"urls": [PAGE]}).json() == {PAGE: 1}
    charlie = api_for(beta)
    assert charlie.send("POST", "/api/v1/counts", {"urls": [PAGE]}).json() == {PAGE: 0}

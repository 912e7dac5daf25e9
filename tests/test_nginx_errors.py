"""Errors the shipped nginx front door answers itself come in the API's JSON error shape under
/api/, and requests within its limits reach the app whole (gunicorn takes as long a request
line as nginx does). The real nginx with deploy/nginx.conf, in front of the real app."""

import json

from tests.test_nginx_edge import Answer, Edge, edge  # noqa: F401 - the shared nginx fixture

COUNTS = "/api/v1/counts?url="


def get(edge: Edge, target: str, *headers: tuple[str, str]) -> Answer:  # noqa: F811
    return edge.send(f"GET {target} HTTP/1.1", [("Host", edge.host("alpha")), *headers])


def error_code(answer: Answer) -> str:
    assert answer.headers["Content-Type"].startswith("application/json"), answer.body[:200]
    return str(json.loads(answer.body)["error"]["code"])


def test_a_request_line_within_8_kb_reaches_the_app(edge: Edge) -> None:  # noqa: F811
    # Past gunicorn's default limit (4 KB), within nginx's: the app answers, not gunicorn.
    answer = get(edge, COUNTS + "https://alpha.example/" + "a" * 6000)
    assert answer.status == 200, answer.body[:300]
    assert json.loads(answer.body)


def test_a_request_line_over_8_kb_is_a_json_414(edge: Edge) -> None:  # noqa: F811
    answer = get(edge, COUNTS + "https://alpha.example/" + "a" * 9000)
    assert answer.status == 414
    assert error_code(answer) == "uri_too_long"


def test_a_header_over_8_kb_is_a_json_431_under_api(edge: Edge) -> None:  # noqa: F811
    cookie = ("Cookie", "c=" + "x" * 9000)
    answer = get(edge, COUNTS + "https://alpha.example/", cookie)
    assert answer.status == 431
    assert error_code(answer) == "headers_too_large"
    page = get(edge, "/dashboard/", cookie)
    assert page.status == 400
    assert page.headers["Content-Type"].startswith("text/html")


def post_body_of(edge: Edge, path: str, size: int) -> Answer:  # noqa: F811
    """POST a JSON body of about `size` bytes to `path` on alpha through the edge."""
    body = b'{"body": "' + b"x" * size + b'"}'
    headers = [
        ("Host", edge.host("alpha")),
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
    ]
    return edge.send(f"POST {path} HTTP/1.1", headers, body)


def test_a_body_over_the_edge_limit_is_a_json_413_under_api(edge: Edge) -> None:  # noqa: F811
    answer = post_body_of(edge, "/api/v1/comments", 1_100_000)
    assert answer.status == 413
    assert error_code(answer) == "too_large"
    page = post_body_of(edge, "/dashboard/login/", 1_100_000)
    assert page.status == 413
    assert page.headers["Content-Type"].startswith("text/html")


def test_a_body_over_the_app_limit_is_the_apps_json_413(edge: Edge) -> None:  # noqa: F811
    answer = post_body_of(edge, "/api/v1/comments", 300_000)
    assert answer.status == 413
    assert error_code(answer) == "too_large"

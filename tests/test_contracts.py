"""The API's contracts as code: error codes, their catalogue in docs/api.md, and the widget's
use of them."""

import inspect
import re
from pathlib import Path
from typing import cast

import orjson
import pytest
from django.test import Client
from django.utils import timezone
from rest_framework import exceptions

from core.errors import CATALOGUE, ErrorCode, Refused, error_code
from embed import selectors
from embed.api.serializers import ReaderStateSerializer, ThreadPageSerializer
from embed.models import Comment, Commenter, Thread, Vote
from embed.site import site_config
from tests.factories import CommenterFactory, CommentFactory, ThreadFactory
from tests.openapi_check import SchemaViolation, check_response, schema_of

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(
    r"^\| `(?P<code>\w+)` \| (?P<status>\d{3}) \| (?P<meaning>.+?) \|\s*(?P<widget>\w*)\s*\|$"
)


def catalogue_rows() -> dict[str, tuple[int, str, bool]]:
    text = (ROOT / "docs" / "api.md").read_text()
    rows = {}
    for line in text.splitlines():
        if match := ROW.match(line):
            rows[match["code"]] = (
                int(match["status"]),
                match["meaning"],
                match["widget"] == "yes",
            )
    return rows


def test_every_code_has_a_catalogue_entry():
    assert set(CATALOGUE) == set(ErrorCode)


def test_the_docs_catalogue_lists_every_code_with_its_status_and_meaning():
    rows = catalogue_rows()
    assert {code: row[:2] for code, row in rows.items()} == {
        code.value: (info.status, info.meaning) for code, info in CATALOGUE.items()
    }


def test_the_codes_the_widget_matches_are_catalogued_and_in_its_source():
    widget_source = "\n".join(
        path.read_text()
        for path in (ROOT / "widget").rglob("*.js")
        if "node_modules" not in path.parts
    )
    matched = [code for code, row in catalogue_rows().items() if row[2]]
    assert matched, "the widget matches some codes by string; the catalogue marks them"
    for code in matched:
        assert f"{code}:" in widget_source or f'"{code}"' in widget_source, code


def test_every_code_drf_raises_is_one_of_ours():
    raised = {
        cls.default_code
        for _, cls in inspect.getmembers(exceptions, inspect.isclass)
        if issubclass(cls, exceptions.APIException) and cls is not exceptions.APIException
    }
    assert raised <= {code.value for code in ErrorCode}


def test_an_unknown_code_is_answered_with_the_generic_code_of_its_status():
    assert error_code("parse_error", 400) is ErrorCode.PARSE_ERROR
    assert error_code("mystery", 403) is ErrorCode.PERMISSION_DENIED
    assert error_code({"field": ["invalid"]}, 400) is ErrorCode.INVALID


def test_a_refusal_takes_its_status_from_the_catalogue():
    assert Refused(ErrorCode.THREAD_CLOSED, "closed").status == 403
    assert Refused(ErrorCode.THROTTLED, "slow down").status == 429


# The read path's builders (embed.selectors) and the serializers that declare its schema.


def _json(data: object) -> object:
    return orjson.loads(orjson.dumps(data, option=orjson.OPT_UTC_Z))


def _attach_replies(nodes: list[dict], rows: dict[int, Comment]) -> list[Comment]:
    """The payload's tree, as the same rows with their shown replies attached."""
    tree = []
    for node in nodes:
        comment = rows[node["id"]]
        comment.shown_replies = _attach_replies(node["replies"], rows)  # type: ignore[attr-defined]
        tree.append(comment)
    return tree


@pytest.fixture
def rich_thread(alpha, in_schema):
    """A thread with every shape a comment takes: nested replies, a pinned and edited comment,
    an author with avatar and badge, deleted placeholders, and comments readers cannot see."""
    with in_schema(alpha):
        thread = ThreadFactory(url="https://alpha.example/posts/contract", comment_count=5)
        ann = CommenterFactory(name="Ann", avatar="https://img.example/ann.png", badge="Staff")
        bob = cast(Commenter, CommenterFactory(name="Bob"))
        top = cast(Comment, CommentFactory(thread=thread, author=ann, pinned=True, score=3))
        Comment.objects.filter(pk=top.pk).update(edited=timezone.now())
        reply = cast(Comment, CommentFactory(thread=thread, author=bob, parent=top))
        CommentFactory(thread=thread, author=ann, parent=reply)
        gone = CommentFactory(thread=thread, author=bob, parent=top, status=Comment.Status.DELETED)
        CommentFactory(thread=thread, author=ann, parent=gone)
        CommentFactory(thread=thread, author=bob, parent=top, status=Comment.Status.DELETED)
        CommentFactory(thread=thread, author=bob, parent=top, status=Comment.Status.PENDING)
        gone_top = CommentFactory(thread=thread, author=ann, status=Comment.Status.DELETED)
        CommentFactory(thread=thread, author=bob, parent=gone_top)
        CommentFactory(thread=thread, author=bob, status=Comment.Status.SPAM)
        CommentFactory(thread=thread, author=bob, status=Comment.Status.SPAM, shadowed=True)
        Vote.objects.create(comment=top, commenter=bob, value=1)
        Vote.objects.create(comment=reply, commenter=bob, value=-1)
        return thread, bob


@pytest.mark.django_db
def test_the_thread_page_builder_gives_what_its_serializer_declares(alpha, in_schema, rich_thread):
    thread, _ = rich_thread
    with in_schema(alpha):
        site = site_config()
        for sort in selectors.SORTS:
            built = selectors.thread_payload(
                url=thread.url, key=None, sort=sort, after=None, cursor_scope="contract", site=site
            )
            assert len(built["comments"]) == 2  # both placeholders' kinds are in it
            rows = Comment.objects.select_related("author").in_bulk()
            page: dict[str, object] = {
                "thread": Thread.objects.get(pk=thread.pk),
                "site": site,
                "comments": _attach_replies(built["comments"], rows),
                "next": built["next"],
            }
            shaped = ThreadPageSerializer(page, context={"site": site}).data
            assert _json(built) == _json(shaped)


@pytest.mark.django_db
def test_an_unknown_page_gives_what_the_serializer_declares(alpha, in_schema):
    with in_schema(alpha):
        site = site_config()
        built = selectors.thread_payload(
            url="https://alpha.example/nobody",
            key=None,
            sort="oldest",
            after=None,
            cursor_scope="contract",
            site=site,
        )
        page: dict[str, object] = {"thread": None, "site": site, "comments": [], "next": None}
        assert _json(built) == _json(ThreadPageSerializer(page, context={"site": site}).data)


@pytest.mark.django_db
def test_the_reader_state_builder_gives_what_its_serializer_declares(alpha, in_schema, rich_thread):
    thread, bob = rich_thread
    with in_schema(alpha):
        built = selectors.reader_state(commenter=bob, thread=thread)
        assert built["pending"] and built["shadowed"] and built["votes"]
        state = {
            "commenter": bob,
            "own": list(
                Comment.objects.filter(thread=thread, author=bob)
                .exclude(status=Comment.Status.DELETED)
                .select_related("author")
                .order_by("created", "id")
            ),
            "votes": list(Vote.objects.filter(commenter=bob, comment__thread=thread)),
        }
        assert _json(built) == _json(ReaderStateSerializer(state).data)


# The schema documents every response, errors included, and the suite holds the API to it.


def tenant_schema() -> dict:
    return schema_of("palaver.urls_tenant")


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_written_comment_documents_what_the_api_returns():
    schemas = tenant_schema()["components"]["schemas"]
    written = schemas["CommentWritten"]
    assert {"status", "editable_until", "commenter_token", "replies", "deleted"} <= set(
        written["properties"]
    )
    assert "commenter_token" not in written["required"]  # only after a post
    assert "status" in schemas["OwnComment"]["required"]


def test_every_operation_documents_its_errors_in_the_error_shape():
    for schema in (tenant_schema(), schema_of("palaver.urls_public")):
        for path, method, operation in operations(schema):
            responses = operation["responses"]
            where = f"{method} {path}"
            assert {"400", "503"} <= set(responses), where
            if method in ("post", "patch", "put"):
                assert {"413", "415"} <= set(responses), where
            if "{" in path:
                assert "404" in responses, where
            if path.startswith("/api/v1/admin/"):
                assert {"401", "403"} <= set(responses), where
            for status, response in responses.items():
                if int(status) >= 400:
                    body = response["content"]["application/json"]["schema"]
                    assert body == {"$ref": f"#/components/schemas/Error{status}"}, where


def test_each_error_component_lists_the_codes_of_its_status():
    schemas = tenant_schema()["components"]["schemas"]
    documented = {
        int(status) for *_, op in operations(tenant_schema()) for status in op["responses"]
    }
    for status in (s for s in documented if s >= 400):
        code = schemas[f"Error{status}Detail"]["properties"]["code"]
        enum = schemas[code["$ref"].rsplit("/", 1)[1]]["enum"] if "$ref" in code else code["enum"]
        assert enum == [c.value for c, info in CATALOGUE.items() if info.status == status]


def test_rate_limited_writes_document_429_and_token_readers_401():
    paths = tenant_schema()["paths"]
    for path in ("/api/v1/comments", "/api/v1/comments/{id}/vote", "/api/v1/comments/{id}/flag"):
        assert {"401", "403", "429"} <= set(paths[path]["post"]["responses"]), path
    assert "401" in paths["/api/v1/thread/me"]["get"]["responses"]
    assert "429" in schema_of("palaver.urls_public")["paths"]["/api/v1/sites"]["post"]["responses"]


@pytest.mark.django_db
def test_the_check_refuses_an_undocumented_field(api):
    response = api.post_comment()
    body = response.json()
    body["surprise"] = True
    response.content = orjson.dumps(body)
    with pytest.raises(SchemaViolation, match="surprise"):
        check_response(response)


@pytest.mark.django_db
def test_the_check_refuses_a_missing_field_and_a_wrong_type(api):
    api.post_comment()
    response = api.thread()
    body = response.json()
    del body["comments"][0]["replies"]
    response.content = orjson.dumps(body)
    with pytest.raises(SchemaViolation, match="replies"):
        check_response(response)
    body = api.thread().json()
    body["comments"][0]["score"] = "3"
    response.content = orjson.dumps(body)
    with pytest.raises(SchemaViolation):
        check_response(response)


@pytest.mark.django_db
def test_the_check_refuses_an_undocumented_status(api):
    response = api.thread()
    response.status_code = 500
    with pytest.raises(SchemaViolation):
        check_response(response)
    response = api.post_comment()
    response.status_code = 409
    with pytest.raises(SchemaViolation):
        check_response(response)


@pytest.mark.django_db
def test_the_check_refuses_an_error_code_of_another_status(api):
    response = api.send("PATCH", "/api/v1/comments/999999", {"body": "x"}, token="forged")
    assert response.status_code == 401
    response.content = orjson.dumps({"error": {"code": "not_found", "message": "No."}})
    with pytest.raises(SchemaViolation):
        check_response(response)


@pytest.mark.django_db
def test_an_answer_before_any_operation_must_still_be_a_catalogued_error():
    response = Client(HTTP_HOST="nosuchsite.localhost").get("/api/v1/thread", {"url": "x"})
    assert response.status_code == 404
    response.content = orjson.dumps({"error": {"code": "banned", "message": "No."}})
    with pytest.raises(SchemaViolation, match="not the error shape"):
        check_response(response)

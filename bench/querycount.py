"""Counts the SQL statements of each request on every database connection (see
bench/settings_count.py); never part of a deployed configuration."""

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse


class QueryCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = [0]

        def counter(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
            count[0] += 1
            return execute(sql, *args)

        with ExitStack() as stack:
            for conn in connections.all():
                stack.enter_context(conn.execute_wrapper(counter))
            response = self.get_response(request)
        response["X-Bench-Queries"] = str(count[0])
        return response

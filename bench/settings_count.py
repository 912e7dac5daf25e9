"""Settings for the query-counting server: the project's own, with one outer middleware.

Used only to fill the table's "SQL/req" column: a separate server answers a handful of each
row's requests with `X-Bench-Queries`, the number of SQL statements (SET search_path
included) that Django sent to PostgreSQL for that request. The timed rows run against the
project's unmodified settings.
"""

from palaver.settings import *  # noqa: F403
from palaver.settings import MIDDLEWARE, PUBLIC_READ_MIDDLEWARE

MIDDLEWARE = ["bench.querycount.QueryCountMiddleware", *MIDDLEWARE]
PUBLIC_READ_MIDDLEWARE = ["bench.querycount.QueryCountMiddleware", *PUBLIC_READ_MIDDLEWARE]

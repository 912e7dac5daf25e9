"""Every Redis key the platform writes, built in one place, each with its lifetime.

    key                                      holds                         lifetime
    palaver:<schema>:tv:<ident>              a thread's version            VERSION_TTL_SECONDS
    palaver:<schema>:tp:<idents>:<versions>:...
                                             a thread page (etag\\nbody)  PAYLOAD_TTL_SECONDS
    palaver:<schema>:ev<db>:<ident>          a thread's live channel       none (pub/sub)
    palaver:<schema>:counts                  hash: page URL -> count       COUNTS_TTL_SECONDS
    palaver:<schema>:sv                      settings version              SITE_VERSION_TTL_SECONDS
    palaver:<schema>:sc                      settings copy (DB outages)    SITE_COPY_TTL_SECONDS
    palaver:<schema>:rl:<action>:<scope>:<subject>:<window>:<window start>
                                             hits in a rate-limit window   the window's length
    palaver:<schema>:import:<import id>      a running import's progress   PROGRESS_TTL_SECONDS
                                                                           (embed.importers.jobs)
    palaver:host:<host name>                 a host's last lookup          HOST_COPY_SECONDS
                                                                           (tenants.resolution)
    palaver:generation                       moves after missed writes     one key (bounded)
    palaver:webhooks:due                     sorted set of webhook retries one key, bounded by
                                             (`<schema>:<id>` by due time) the deliveries waiting
                                                                           (embed.webhooks)

`<schema>` is the site's PostgreSQL schema (`public` for the platform site), so two sites
never share a key, even for the same page URL; `<ident>` is a digest of a thread's URL or
site key (embed.cache.thread_ident). Deleting a site removes everything under its prefix
(`site_pattern`). A test walks Redis after a representative workload and fails on any key
without a TTL that is not listed as bounded here.
"""

PREFIX = "palaver"

PAYLOAD_TTL_SECONDS = 3600
# Far above PAYLOAD_TTL_SECONDS: versions restart from the clock when their key is recreated,
# so by then every payload stored under an old version is long gone (embed/cache.py).
VERSION_TTL_SECONDS = 7 * 24 * 3600
COUNTS_TTL_SECONDS = 24 * 3600
SITE_VERSION_TTL_SECONDS = 7 * 24 * 3600
SITE_COPY_TTL_SECONDS = 24 * 3600  # the settings a worker uses while the database is down

GENERATION = f"{PREFIX}:generation"
# Webhook deliveries waiting for a retry, of every site: members leave as they fall due.
WEBHOOKS_DUE = f"{PREFIX}:webhooks:due"
BOUNDED_WITHOUT_TTL = frozenset({GENERATION, WEBHOOKS_DUE})  # one key each per deployment
COUNTS_PATTERN = f"{PREFIX}:*:counts"


def site_prefix(schema: str) -> str:
    """`palaver:<schema>`: the start of every key of one site."""
    return f"{PREFIX}:{schema}"


def site_pattern(schema: str) -> str:
    """A SCAN pattern for every key of one site."""
    return f"{site_prefix(schema)}:*"


def thread_version(schema: str, ident: str) -> str:
    return f"{site_prefix(schema)}:tv:{ident}"


def thread_payload_prefix(schema: str, ident: str) -> str:
    """The payload keys of a thread start with this; the read appends versions and page."""
    return f"{site_prefix(schema)}:tp:{ident}:"


def thread_payload(schema: str, ident: str, version: str, suffix: str) -> str:
    return f"{thread_payload_prefix(schema, ident)}{version}:{suffix}"


def thread_events(schema: str, ident: str, database: int) -> str:
    """The pub/sub channel of a thread's live updates. Channels, unlike keys, are shared by
    every database of a Redis server, so the name carries the database number (`database`):
    two deployments, or test runs, on one server never hear each other's events."""
    return f"{site_prefix(schema)}:ev{database}:{ident}"


def counts(schema: str) -> str:
    return f"{site_prefix(schema)}:counts"


def site_version(schema: str) -> str:
    return f"{site_prefix(schema)}:sv"


def site_write_lsn(schema: str) -> str:
    """The primary's WAL position (bytes) after the site's last write (core.replicas)."""
    return f"{site_prefix(schema)}:lsn"


def site_copy(schema: str) -> str:
    """The site settings as last loaded (JSON), served while the database is down."""
    return f"{site_prefix(schema)}:sc"


def rate_limit(
    schema: str, action: str, scope: str, subject: str, window: int, window_start: int
) -> str:
    """One fixed window (`window` seconds long, starting at `window_start`, Unix seconds) of
    one limit (posts, votes, sign-ups, log-ins...); expire it after the window's length."""
    return f"{site_prefix(schema)}:rl:{action}:{scope}:{subject}:{window}:{window_start}"


def import_progress(schema: str, import_id: int) -> str:
    """A running import's progress (JSON); expire it with the importer's progress TTL."""
    return f"{site_prefix(schema)}:import:{import_id}"


def host_copy(hostname: str) -> str:
    """A host's last lookup (tenants.resolution), shared by every process of the deployment."""
    return f"{PREFIX}:host:{hostname}"

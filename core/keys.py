"""Every Redis key the platform writes, built in one place, each with its lifetime.

The keys are laid out for Redis Cluster as well as for one server: the part in braces is the
key's *hash tag*, the only part a cluster hashes to pick the key's slot (and so its node).

    key                                        holds                        lifetime
    per thread shard, tag {<schema>:<shard>}:
    palaver:{<schema>:<n>}:tv:<ident>          a thread's version           VERSION_TTL_SECONDS
    palaver:{<schema>:<n>}:tp:<idents>:<version>:<suffix>
                                               a thread page (etag\\ngzip)  PAYLOAD_TTL_SECONDS
    palaver:{<schema>:<n>}:site                hash: the site's settings    SITE_VERSION_TTL_SECONDS
                                               version (v) and generation
                                               (g), one copy per shard
    palaver:{<schema>:<n>}:tk:<url ident>      set: the site keys read      READERS_TTL_SECONDS
                                               together with this URL
    palaver:{<schema>:<n>}:ev<db>:<ident>      a thread's live channel      none (pub/sub)
    per site, tag {<schema>}:
    palaver:{<schema>}:counts                  hash: page URL -> count      COUNTS_TTL_SECONDS
    palaver:{<schema>}:sv                      settings version             SITE_VERSION_TTL_SECONDS
    palaver:{<schema>}:sc                      settings copy (DB outages)   SITE_COPY_TTL_SECONDS
    palaver:{<schema>}:lsn                     WAL position of last write   core.replicas
    palaver:{<schema>}:rl:<action>:<scope>:<subject>:<window>:<window start>
                                               hits in a rate-limit window  the window's length
    palaver:{<schema>}:import:<import id>      a running import's progress  PROGRESS_TTL_SECONDS
                                                                            (embed.importers.jobs)
    deployment-wide:
    palaver:host:<host name>                   a host's last lookup         HOST_COPY_SECONDS
                                                                            (tenants.resolution)
    palaver:webhooks:due                       sorted set of webhook        one key, bounded by
                                               retries (`<schema>:<id>`     the deliveries waiting
                                               by due time)                 (embed.webhooks)

`<schema>` is the site's PostgreSQL schema (`public` for the platform site), so two sites
never share a key, even for the same page URL; `<ident>` is a digest of a thread's URL or
site key (embed.cache.thread_ident), and `<n>` its shard: `shard(ident)`, one of SHARDS.

Why shards: the hot read (embed.cache) is one Lua script, and a script may only touch keys of
one slot. It needs the thread's version, the site's settings version and the generation; all
three live in the thread's shard (`{<schema>:<n>}`), the last two as a per-shard copy that
every settings change and every generation bump writes to all SHARDS shards of the site. So a
read is one round trip to one node, and a busy site's threads spread over SHARDS slots, i.e.
over every node of a cluster of up to SHARDS masters. Site-wide keys share the tag
`{<schema>}`: multi-key commands on them (rate limits' MGET and DEL) stay in one slot.

Deleting a site removes every key matching `site_pattern`. A test walks Redis after a
representative workload and fails on any key without a TTL that is not listed as bounded here.
"""

PREFIX = "palaver"
SHARDS = 64
"""Slots one site's threads spread over. Each settings change or generation bump writes
SHARDS small keys; more shards spread a single busy site over more cluster nodes."""

PAYLOAD_TTL_SECONDS = 3600
# Far above PAYLOAD_TTL_SECONDS: versions restart from the clock when their key is recreated,
# so by then every payload stored under an old version is long gone (embed/cache.py).
VERSION_TTL_SECONDS = 7 * 24 * 3600
COUNTS_TTL_SECONDS = 24 * 3600
SITE_VERSION_TTL_SECONDS = 7 * 24 * 3600
SITE_COPY_TTL_SECONDS = 24 * 3600  # the settings a worker uses while the database is down
# Above PAYLOAD_TTL_SECONDS: a page cached for a read by URL and key is bumped by writes to
# the URL's thread for as long as the page can live (embed.cache.fill_begin).
READERS_TTL_SECONDS = PAYLOAD_TTL_SECONDS + 300

# Webhook deliveries waiting for a retry, of every site: members leave as they fall due.
WEBHOOKS_DUE = f"{PREFIX}:webhooks:due"
BOUNDED_WITHOUT_TTL = frozenset({WEBHOOKS_DUE})  # one key per deployment


def shard(ident: str) -> int:
    """The shard (0..SHARDS-1) of a thread ident (a hex digest)."""
    return int(ident[:8], 16) % SHARDS


def _site(schema: str) -> str:
    return f"{PREFIX}:{{{schema}}}"


def _shard(schema: str, number: int) -> str:
    return f"{PREFIX}:{{{schema}:{number}}}"


def site_pattern(schema: str) -> str:
    """A SCAN pattern for every key of one site (site-wide and per shard)."""
    return f"{PREFIX}:{{{schema}[}}:]*"


def thread_version(schema: str, ident: str) -> str:
    return f"{_shard(schema, shard(ident))}:tv:{ident}"


def thread_payload_prefix(schema: str, idents: list[str]) -> str:
    """The payload keys of a read depending on `idents` (the first one names the shard) start
    with this; the read appends the version and the suffix."""
    return f"{_shard(schema, shard(idents[0]))}:tp:{'+'.join(idents)}:"


def thread_payload(schema: str, idents: list[str], version: str, suffix: str) -> str:
    return f"{thread_payload_prefix(schema, idents)}{version}:{suffix}"


def site_stamp(schema: str, number: int) -> str:
    """Shard `number`'s copy of the site's settings version (`v`) and generation (`g`)."""
    return f"{_shard(schema, number)}:site"


def site_stamps(schema: str) -> list[str]:
    """Every shard's copy of the site's stamp: what a settings change or bump writes."""
    return [site_stamp(schema, number) for number in range(SHARDS)]


def thread_readers(schema: str, url_ident: str) -> str:
    """The idents of site keys whose reads fell back to this URL's thread (a set)."""
    return f"{_shard(schema, shard(url_ident))}:tk:{url_ident}"


def thread_events(schema: str, ident: str, database: int) -> str:
    """The pub/sub channel of a thread's live updates, in the thread's shard (sharded pub/sub
    on a cluster routes it by its slot). Channels, unlike keys, are shared by every database
    of a Redis server, so the name carries the database number (`database`): two
    deployments, or test runs, on one server never hear each other's events."""
    return f"{_shard(schema, shard(ident))}:ev{database}:{ident}"


def counts(schema: str) -> str:
    return f"{_site(schema)}:counts"


def site_version(schema: str) -> str:
    return f"{_site(schema)}:sv"


def site_write_lsn(schema: str) -> str:
    """The primary's WAL position (bytes) after the site's last write (core.replicas)."""
    return f"{_site(schema)}:lsn"


def site_copy(schema: str) -> str:
    """The site settings as last loaded (JSON), served while the database is down."""
    return f"{_site(schema)}:sc"


def rate_limit(
    schema: str, action: str, scope: str, subject: str, window: int, window_start: int
) -> str:
    """One fixed window (`window` seconds long, starting at `window_start`, Unix seconds) of
    one limit (posts, votes, sign-ups, log-ins...); expire it after the window's length. All
    of a site's counters share its slot, so one MGET or DEL reads or drops several."""
    return f"{_site(schema)}:rl:{action}:{scope}:{subject}:{window}:{window_start}"


def import_progress(schema: str, import_id: int) -> str:
    """A running import's progress (JSON); expire it with the importer's progress TTL."""
    return f"{_site(schema)}:import:{import_id}"


def host_copy(hostname: str) -> str:
    """A host's last lookup (tenants.resolution), shared by every process of the deployment."""
    return f"{PREFIX}:host:{hostname}"

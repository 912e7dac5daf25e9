"""The current site's settings, cached in each process.

Every request of the widget's API needs them (CORS origins, edit window, guest rules), and a
hot read must not pay a query for them, even when one worker serves a thousand sites. So each
process keeps them for SITE_CACHE_SECONDS, and checks them against the settings version in
Redis (core.keys.site_version, set by every change, with a copy in each of the site's thread
shards, core.keys.site_stamps): hot reads get the copy in their shard in the same round trip
as the thread (see embed.cache), writes ask for the version (`site_config(fresh=True)`).
A change therefore reaches every process at once while Redis is up, and within
SITE_CACHE_SECONDS when it is not. The version key expires SITE_VERSION_TTL_SECONDS after the
last change: by then every process has reloaded the settings many times over, and a missing
version only means "nothing changed lately".

When PostgreSQL cannot be reached, the settings still come from somewhere, so that cached
threads are still served (docs/security.md): this process's copy even past its time, or else
the copy every load leaves in Redis (`palaver:<schema>:sc`, SITE_COPY_SECONDS), which a worker
started during the outage finds too. Only a site never loaded anywhere gets the database
error (a 503).
"""

import dataclasses
import logging
import time
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from redis.exceptions import RedisError

from core import keys, redis
from core.effects import after_commit
from core.permalinks import permalink_format
from core.tenancy import current_schema
from core.urlnorm import origins_clean
from embed.models import OidcProvider, SiteSettings

SITE_CACHE_SECONDS = 60.0
SITE_VERSION_TTL_SECONDS = keys.SITE_VERSION_TTL_SECONDS
SITE_COPY_SECONDS = keys.SITE_COPY_TTL_SECONDS
"""How long the Redis copy of a site's settings lasts, for use while the database is down."""
RETRY_SECONDS = 5.0
"""While the database is down, how long a process serves its copy before asking again."""
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SiteConfig:
    allowed_origins: frozenset[str]
    edit_window_minutes: int
    guests_allowed: bool
    guest_email_required: bool
    max_depth: int
    flag_threshold: int
    moderation_mode: str
    banned_words: tuple[str, ...]
    suspect_words: tuple[str, ...]
    max_links: int
    auto_close_days: int
    spam_filter: bool
    akismet_key: str
    sso_enabled: bool
    email_sign_in: bool
    login_url: str
    logout_url: str
    gravatar: bool
    permalink_pattern: str
    # The readers' sign-in providers the owner set up and enabled: (id, name) each.
    oidc_providers: tuple[tuple[int, str], ...]
    version: str  # changes whenever the settings change; part of thread cache keys

    def public(self) -> dict[str, Any]:
        """What the widget may know."""
        return {
            "guests_allowed": self.guests_allowed,
            "guest_email_required": self.guest_email_required,
            "edit_window_minutes": self.edit_window_minutes,
            "max_depth": self.max_depth,
            # How readers sign in (null when they cannot): the site's own pages (SSO), and
            # whether a link by e-mail may sign them in. The widget shows the buttons.
            "sso": (
                {
                    "login_url": (self.login_url or None) if self.sso_enabled else None,
                    "logout_url": (self.logout_url or None) if self.sso_enabled else None,
                    "email": self.email_sign_in,
                }
                if self.sso_enabled or self.email_sign_in
                else None
            ),
            # Sign-in with the owner's providers: one button each (null when there is none).
            "oidc": [{"id": pk, "name": name} for pk, name in self.oidc_providers] or None,
        }


_cache: dict[str, tuple[float, SiteConfig]] = {}


def site_version_key() -> str:
    return keys.site_version(current_schema())


def site_settings_row() -> SiteSettings:
    """The site's one settings row (id 1), created with the defaults if it is missing.

    The only way code reads the row; a CHECK constraint keeps it single."""
    row, _ = SiteSettings.objects.get_or_create(pk=SiteSettings.SINGLETON_ID)
    return row


def site_copy_key() -> str:
    return keys.site_copy(current_schema())


def _copy_put(config: SiteConfig) -> None:
    fields = {
        name: sorted(value) if isinstance(value, frozenset) else value
        for name, value in dataclasses.asdict(config).items()
    }
    redis.call("set", site_copy_key(), orjson.dumps(fields), ex=SITE_COPY_SECONDS)


def _copy_get(raw: bytes | None = None) -> SiteConfig | None:
    """The site's settings from their Redis copy (`raw`, read here when not given)."""
    if raw is None:
        raw = redis.call("get", site_copy_key())
    if raw is None:
        return None
    try:
        fields = orjson.loads(raw)
        fields["allowed_origins"] = frozenset(fields["allowed_origins"])
        fields["banned_words"] = tuple(fields["banned_words"])
        fields["suspect_words"] = tuple(fields["suspect_words"])
        fields["oidc_providers"] = tuple((pk, name) for pk, name in fields["oidc_providers"])
        return SiteConfig(**fields)
    except (ValueError, TypeError, KeyError):  # a copy from another release: not usable
        return None


def _copy_if_current() -> SiteConfig | None:
    """The Redis copy of the site's settings when it is of the version Redis holds as current
    (one round trip: the copy and the version share the site's slot), else None."""
    found = redis.call("mget", [site_copy_key(), site_version_key()])
    if not found or found[0] is None or found[1] is None:
        return None
    copy = _copy_get(found[0])
    return copy if copy is not None and copy.version == found[1].decode() else None


def site_config(*, fresh: bool = False, from_database: bool = False) -> SiteConfig:
    """The site's settings; `fresh` checks the cached copy against Redis first (writes).

    A process that has none (or whose copy is past SITE_CACHE_SECONDS) takes the copy any
    process left in Redis when it is of the current settings version, before asking the
    database: with many sites and workers, a site's settings cost one query per change for
    the whole deployment instead of one per worker and minute. `from_database` skips both
    copies (a change being announced must be read from its row)."""
    schema = current_schema()
    now = time.monotonic()
    hit = _cache.get(schema)
    if hit is not None and hit[0] > now and not from_database:
        if not fresh:
            return hit[1]
        current = redis.call("get", site_version_key())
        if current is None or current.decode() == hit[1].version:
            return hit[1]
    shared = None if from_database else _copy_if_current()
    if shared is not None:
        _cache[schema] = (now + SITE_CACHE_SECONDS, shared)
        return shared
    try:
        row = site_settings_row()
    except (OperationalError, InterfaceError) as exc:
        stale = hit[1] if hit is not None else _copy_get()
        if stale is None:
            raise
        log.warning("site settings of %s from the last copy: %s", schema, exc)
        # Ask the database again only after a while, not on every read of the outage.
        _cache[schema] = (now + RETRY_SECONDS, stale)
        return stale
    config = SiteConfig(
        allowed_origins=frozenset(row.allowed_origins),
        edit_window_minutes=row.edit_window_minutes,
        guests_allowed=row.guests_allowed,
        guest_email_required=row.guest_email_required,
        max_depth=max(1, row.max_depth),
        flag_threshold=max(1, row.flag_threshold),
        moderation_mode=row.moderation_mode,
        banned_words=tuple(row.banned_words),
        suspect_words=tuple(row.suspect_words),
        max_links=row.max_links,
        auto_close_days=row.auto_close_days,
        spam_filter=row.spam_filter,
        akismet_key=row.akismet_key,
        sso_enabled=row.sso_enabled,
        email_sign_in=row.email_sign_in,
        login_url=row.login_url,
        logout_url=row.logout_url,
        gravatar=row.gravatar,
        permalink_pattern=row.permalink_pattern,
        oidc_providers=tuple(
            OidcProvider.objects.filter(enabled=True).order_by("pk").values_list("pk", "name")
        ),
        version=format(row.updated.timestamp(), ".6f") if row.updated else "0",
    )
    _cache[schema] = (now + SITE_CACHE_SECONDS, config)
    _copy_put(config)
    # The version of what was just read, unless a change already set one: the copy above is
    # then of the current version, which lets other processes take it (`_copy_if_current`).
    redis.call("set", site_version_key(), config.version, ex=SITE_VERSION_TTL_SECONDS, nx=True)
    return config


def comment_permalink(*, url: str, comment_id: int) -> str:
    """The link of a comment on its page, by the site's `permalink_pattern` (default
    `{url}#comment-{id}`, which the widget's permalink part opens); `url` is the thread's."""
    return permalink_format(site_config().permalink_pattern, url=url, comment_id=comment_id)


def site_config_forget() -> None:
    _cache.pop(current_schema(), None)


def site_config_seen(version: str) -> bool:
    """Note the settings version Redis holds; False (and forget) if ours is older."""
    hit = _cache.get(current_schema())
    if version == "0" or hit is None or hit[1].version == version:
        return True
    site_config_forget()
    return False


def site_settings_update(**fields: Any) -> SiteSettings:
    """Change settings (validated: `full_clean`, origins through `origins_clean`)."""
    if "allowed_origins" in fields:
        fields["allowed_origins"] = origins_clean(
            fields["allowed_origins"], field="allowed_origins"
        )
    row = site_settings_row()
    for name, value in fields.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    after_commit(_site_settings_changed)
    return row


def site_config_changed() -> None:
    """Something `site_config` reads besides the settings row changed (a sign-in
    provider): the row's `updated`, the settings' version, moves, and every process reloads
    the settings once the transaction commits."""
    site_settings_row()  # made if missing
    SiteSettings.objects.filter(pk=SiteSettings.SINGLETON_ID).update(updated=timezone.now())
    after_commit(_site_settings_changed)


def _site_settings_changed() -> None:
    site_config_forget()
    # Every process compares its copy with this on its next request to the site: writes with
    # the version itself, hot reads with the copy in their thread's shard.
    version = site_config(from_database=True).version
    conn = redis.client()
    if conn is None:
        return
    try:
        pipe = conn.pipeline(transaction=False)
        pipe.set(site_version_key(), version, ex=SITE_VERSION_TTL_SECONDS)
        for stamp in keys.site_stamps(current_schema()):
            pipe.hset(stamp, "v", version)
            pipe.expire(stamp, SITE_VERSION_TTL_SECONDS)
        pipe.execute()
    except RedisError as exc:
        redis.trip(exc)

"""What the directory shows, cached by the registry's version: a repeated read costs one lookup.

**The version** (``directory_version``) names one state of everything the partner directory shows,
read in one query from the database that serves the directory's reads (``registry.replica``: the
replica or the primary), so a version never names data that database does not have. It is made of:

- the change feed's last event number (``registry.feed``: every change to an affiliate's entry
  records an event, numbered in commit order) and the moment of its last restore (a restore deletes
  the events and may hand out numbers again: ``feed.forget`` sets ``history_from``);
- today's date (UTC): good standing follows the calendar, and the history's ``as_of`` may name today;
- the regions (code, names, parent), which the region list shows and which the feed does not
  version when no affiliate's entry changes (a new region, a region without affiliates moved): on
  PostgreSQL the count of the transactions that changed them, kept by a trigger in a one-row table,
  so the version is two one-row reads; on SQLite the regions themselves, aggregated.

Anything computed from what the version covers can be cached under it: ``cached_for_version`` keeps a
value by name until the version changes. Entries are never invalidated: a new version reads new keys,
and the old ones expire (``DIRECTORY_CACHE_SECONDS``). The cache is Django's default one (Redis with
``REDIS_URL``: shared by every process; else memory, per process); rendered responses are also kept
in each process's memory (``_Recent``, a few megabytes, by the same keys), so a repeat costs the
version's query alone.

Read the version *before* computing what is cached under it: a change committed in between is then
cached under the older version (which no reader asks for once the newer one is read), never the
reverse.
"""

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router

from .models import DirectoryFeedCounter, Region
from .selectors import today

T = TypeVar("T")

# Bumped when what is cached changes shape (a release that renders the API differently): the
# entries of the release before are then never read.
FORMAT = 1
_MISSING = object()
REGION_STAMP = "registry_region_stamp"


@functools.cache
def _version_sql(vendor: str) -> str:
    counter, region = DirectoryFeedCounter._meta.db_table, Region._meta.db_table
    if vendor == "postgresql":
        # One row of each table: the counter with its transaction id (xmin: a database made again
        # from nothing, its feed counting from 0 again beside a cache that outlived the old one, has
        # other ones), and the regions' change count, which a trigger bumps in every transaction that
        # changes a region (migration registry 0014).
        return (
            f"SELECT c.last, c.history_from, c.xmin::text, s.changes::text FROM {REGION_STAMP} s "
            f"LEFT JOIN {counter} c ON c.id = 1"
        )
    regions = (
        "SELECT group_concat(line, ',') FROM (SELECT id || '|' || code || '|' || name || '|' || name_ar "
        "|| '|' || name_fr || '|' || name_tr || '|' || coalesce(parent_id, '') AS line "
        f"FROM {region} ORDER BY id)"
    )
    return f"SELECT (SELECT last FROM {counter}), (SELECT history_from FROM {counter}), '', ({regions})"


def directory_version() -> str:
    """The version of what the directory shows now (module docstring): one query, on the database
    the directory's reads go to."""
    alias = router.db_for_read(DirectoryFeedCounter)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(_version_sql(connection.vendor))
        last, history_from, stamp, regions = cursor.fetchone()
    regions_digest = hashlib.blake2b((regions or "").encode(), digest_size=8).hexdigest()
    return f"{FORMAT}.{last or 0}.{history_from or ''}.{stamp or ''}.{today().isoformat()}.{regions_digest}"


def _key(version: str, name: str) -> str:
    return "directory:" + hashlib.blake2b(f"{version}\n{name}".encode(), digest_size=16).hexdigest()


def cached_for_version(name: str, compute: Callable[[], T], *, version: str | None = None) -> T:
    """``compute()``, or what it returned for the same ``name`` at the same version (read now when
    not given). ``name`` must say everything the value depends on beyond the version."""
    key = _key(version or directory_version(), name)
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, settings.DIRECTORY_CACHE_SECONDS)
    return value


# --- Rendered responses ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CachedBody:
    content: bytes
    content_type: str


class _Recent:
    """The answers this process read or wrote last, up to ``DIRECTORY_CACHE_LOCAL_BYTES`` of bodies.
    An entry's key names its version, so what is kept here can never be out of date: it only saves
    the round trip to the shared cache for the queries this process answers most."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries: OrderedDict[str, CachedBody] = OrderedDict()
        self.size = 0

    def get(self, key: str) -> CachedBody | None:
        with self.lock:
            body = self.entries.get(key)
            if body is not None:
                self.entries.move_to_end(key)
            return body

    def put(self, key: str, body: CachedBody) -> None:
        limit = settings.DIRECTORY_CACHE_LOCAL_BYTES
        if len(body.content) > limit:
            return
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = body
            self.size += len(body.content)
            while self.size > limit:
                _key, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped.content)


_recent = _Recent()


def forget_recent() -> None:
    """Forget this process's recent answers (tests: a test database starts its feed from 0 again)."""
    global _recent
    _recent = _Recent()


@dataclass(frozen=True)
class ResponseSlot:
    """Where the response to one request at one version is kept; ``tag`` (an ETag's value) names
    that version and request, so a client holding it has what would be sent again."""

    key: str
    tag: str

    def get(self) -> CachedBody | None:
        body = _recent.get(self.key)
        if body is None:
            body = cache.get(self.key)
            if body is not None:
                _recent.put(self.key, body)
        return body

    def put(self, body: CachedBody) -> None:
        cache.set(self.key, body, settings.DIRECTORY_CACHE_SECONDS)
        _recent.put(self.key, body)


def response_slot(request_key: str, *, version: str | None = None) -> ResponseSlot:
    """The slot of a request, ``request_key`` saying all its answer depends on besides the version
    (the address with its query string, who asks, the negotiated format and language)."""
    key = _key(version or directory_version(), f"response\n{request_key}")
    return ResponseSlot(key=key, tag=key.removeprefix("directory:"))

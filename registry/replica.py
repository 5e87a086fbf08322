"""Directory reads from a streaming replica of the primary (``DATABASE_REPLICA_URL``).

Nothing reads the replica unless it is marked: a view decorated with ``directory_reads`` (the public
directory, an affiliate's page, the statistics, the partner API's directory) reads the registry's
models from the replica when all of these hold, decided once at the start of the request:

- the replica is configured (``DATABASE_REPLICA_READS``), answers, and is a hot standby;
- its lag is at most ``DATABASE_REPLICA_MAX_LAG`` seconds (measured at most once per
  ``DATABASE_REPLICA_CHECK_SECONDS`` in each process). After a fall-back to the primary, reads return to
  the replica only once it has replayed everything the primary had at the previous measurement, so what
  a partner saw from the primary is not taken back (but for commits of that last interval);
- the client has not just written: a request that wrote sets a signed cookie with the primary's WAL
  position, and until the replica has replayed it (at most ``DATABASE_REPLICA_STICKY_SECONDS``) that
  client reads the primary;
- no transaction is open on the primary (it must read its own writes).

Everything else, in those views too (sessions, accounts, partner keys), and every write, goes to the
primary. The lag is measured by WAL position and time: none when the replica has replayed the primary's
current position, else an upper bound: the time since the last transaction it replayed, or since the
newest of this process's earlier measurements whose primary position it has replayed, whichever is
less (a long transaction on the primary leaves the first growing while the replica keeps up).
"""

import contextlib
import contextvars
import functools
import threading
from collections import deque
from dataclasses import dataclass, replace
from time import monotonic

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
# The models that a directory read takes from the replica: the registry's.
REPLICA_APPS = frozenset({"registry"})
COOKIE = "fedreg_primary"
COOKIE_SALT = "registry.replica.sticky"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# An unreachable replica is tried again this many check intervals later.
UNREACHABLE_BACKOFF = 10
# The primary's positions at this many latest measurements bound the lag (``_bounded_by_earlier_positions``).
POSITIONS_KEPT = 32

# Set by ``directory_reads`` for the length of a view: the alias its registry reads go to.
_reads_from: contextvars.ContextVar[str | None] = contextvars.ContextVar("directory_reads_from", default=None)
# Set by ``ReplicaMiddleware`` for the length of a request: whether it wrote.
_request_writes: contextvars.ContextVar["_Writes | None"] = contextvars.ContextVar(
    "request_writes", default=None
)


class _Writes:
    __slots__ = ("wrote",)

    def __init__(self):
        self.wrote = False


class ReplicaRouter:
    """Directory reads of the registry to the alias ``directory_reads`` chose; everything else to the primary."""

    def db_for_read(self, model, **hints):
        alias = _reads_from.get()
        if alias is not None and model._meta.app_label in REPLICA_APPS:
            return alias
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        writes = _request_writes.get()
        if writes is not None:
            writes.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None


# --- Lag -------------------------------------------------------------------------------------------

PRIMARY_POSITION_SQL = "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"
REPLICA_POSITION_SQL = """
    SELECT pg_is_in_recovery(),
           pg_last_wal_replay_lsn() - '0/0'::pg_lsn,
           EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())
"""


@dataclass(frozen=True)
class Lag:
    standby: bool
    seconds: float | None  # None: behind, and no transaction replayed yet to date it
    bytes: int | None
    replayed: int | None  # the replica's replayed WAL position, in bytes from 0/0
    primary: int | None = None  # the primary's WAL position, read just before


def primary_position() -> int:
    """The primary's current WAL position, in bytes from 0/0."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(PRIMARY_POSITION_SQL)
        return int(cursor.fetchone()[0])


def measure_lag() -> Lag:
    """How far the replica is behind the primary (two queries; raises DatabaseError if one fails).

    The primary's position is read first: a replica that has replayed it has every commit the primary
    had then, so its lag is 0 (also when there is no WAL to replay). Behind it, the lag is the time since
    the last transaction the replica replayed.
    """
    primary = primary_position()
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(REPLICA_POSITION_SQL)
        in_recovery, replayed, age = cursor.fetchone()
    if not in_recovery:
        return Lag(standby=False, seconds=None, bytes=None, replayed=None, primary=primary)
    replayed = int(replayed)
    behind = max(0, primary - replayed)
    seconds = None if age is None else max(0.0, float(age))
    if behind == 0:
        seconds = 0.0  # nothing to replay, however long ago the last transaction was
    return Lag(standby=True, seconds=seconds, bytes=behind, replayed=replayed, primary=primary)


@dataclass(frozen=True)
class ReplicaStatus:
    state: str  # ok | lagging | catching-up | unreachable | not-standby
    lag_seconds: float | None
    lag_bytes: int | None
    replayed: int | None
    reads: str  # where directory reads go now: replica | primary


class _Monitor:
    """The last measurement in this process, when it expires, whether reads have fallen back, the
    primary's position at that measurement, and the primary's positions at the latest ones."""

    def __init__(self):
        self.lock = threading.Lock()
        self.status: ReplicaStatus | None = None
        self.expires = 0.0
        self.fell_back = False
        self.last_primary: int | None = None
        # (moment, the primary's position read after it) of the latest measurements.
        self.positions: deque[tuple[float, int]] = deque(maxlen=POSITIONS_KEPT)


_monitor = _Monitor()


def forget_replica_status() -> None:
    """Forget the last measurement and any fall-back (tests; a new process starts so)."""
    global _monitor
    _monitor = _Monitor()


def _bounded_by_earlier_positions(lag: Lag, monitor: _Monitor, now: float) -> Lag:
    """The lag, at most the age of the newest primary position (of this process's earlier measurements)
    the replica has replayed: it has every commit the primary had then. A long transaction on the
    primary (a bulk import) streams WAL that the replica replays at once while its last replayed
    commit grows old; this keeps such a replica within the limit."""
    if not lag.bytes:
        return lag
    had_at = max((at for at, position in monitor.positions if position <= lag.replayed), default=None)
    if had_at is None:
        return lag
    bound = round(now - had_at, 6)
    return replace(lag, seconds=bound if lag.seconds is None else min(lag.seconds, bound))


def _check(monitor: _Monitor) -> ReplicaStatus:
    started = monotonic()
    try:
        lag = measure_lag()
    except DatabaseError:
        with contextlib.suppress(DatabaseError):
            connections[REPLICA].close()
        monitor.fell_back, monitor.last_primary = True, None
        return ReplicaStatus("unreachable", None, None, None, reads="primary")
    if not lag.standby:
        monitor.fell_back, monitor.last_primary = True, None
        return ReplicaStatus("not-standby", None, None, None, reads="primary")
    lag = _bounded_by_earlier_positions(lag, monitor, monotonic())
    monitor.positions.append((started, lag.primary))
    within = lag.seconds is not None and lag.seconds <= settings.DATABASE_REPLICA_MAX_LAG
    state = "ok" if within else "lagging"
    if within and monitor.fell_back and (monitor.last_primary is None or lag.replayed < monitor.last_primary):
        # Reads went to the primary until now: back to the replica once it has what they may have shown.
        state = "catching-up"
    monitor.fell_back, monitor.last_primary = state != "ok", lag.primary
    return ReplicaStatus(
        state, lag.seconds, lag.bytes, lag.replayed, reads="replica" if state == "ok" else "primary"
    )


def replica_status(*, fresh: bool = False) -> ReplicaStatus:
    """The replica's state and lag, measured at most once per ``DATABASE_REPLICA_CHECK_SECONDS``
    (``fresh``: now). While one thread measures, the others take the last measurement."""
    monitor = _monitor
    if not fresh and monitor.status is not None and monotonic() < monitor.expires:
        return monitor.status
    if not monitor.lock.acquire(blocking=fresh or monitor.status is None):
        return monitor.status
    try:
        if not fresh and monitor.status is not None and monotonic() < monitor.expires:
            return monitor.status
        status = _check(monitor)
        interval = settings.DATABASE_REPLICA_CHECK_SECONDS
        if status.state == "unreachable":
            interval *= UNREACHABLE_BACKOFF
        monitor.status, monitor.expires = status, monotonic() + interval
        return status
    finally:
        monitor.lock.release()


def replica_configured() -> bool:
    return settings.DATABASE_REPLICA_READS and REPLICA in settings.DATABASES


# --- Which database a directory request reads ------------------------------------------------------


def _written_at(request) -> int | None:
    """The primary's WAL position after this client's last write, from its cookie (None: none recent)."""
    value = request.get_signed_cookie(
        COOKIE, default=None, salt=COOKIE_SALT, max_age=settings.DATABASE_REPLICA_STICKY_SECONDS
    )
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def directory_database(request=None) -> str:
    """The alias that this request's directory reads go to (module docstring)."""
    if not replica_configured() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    status = replica_status()
    if status.reads != "replica":
        return DEFAULT_DB_ALIAS
    written_at = _written_at(request) if request is not None else None
    if written_at is not None and (status.replayed is None or status.replayed < written_at):
        return DEFAULT_DB_ALIAS
    return REPLICA


@contextlib.contextmanager
def reading_from(alias: str):
    """Directory reads of the registry inside go to ``alias``."""
    token = _reads_from.set(alias)
    try:
        yield
    finally:
        _reads_from.reset(token)


def _streamed_from(alias: str, chunks):
    """A streamed body (the CSV downloads) is read after the view returns: each chunk from ``alias`` too."""
    chunks = iter(chunks)
    end = object()
    while True:
        with reading_from(alias):
            chunk = next(chunks, end)
        if chunk is end:
            return
        yield chunk


def directory_reads(view):
    """Decorate a read-only view of the directory: its registry reads come from the replica when it may
    answer this client (module docstring), else from the primary."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        alias = directory_database(request)
        with reading_from(alias):
            response = view(request, *args, **kwargs)
        if alias != DEFAULT_DB_ALIAS and getattr(response, "streaming", False):
            response.streaming_content = _streamed_from(alias, response.streaming_content)
        return response

    return wrapped


class ReplicaMiddleware:
    """After a request that wrote (or asked to: any method but GET, HEAD, OPTIONS), a signed cookie with
    the primary's WAL position keeps its client's directory reads on the primary until the replica has
    replayed it, for at most ``DATABASE_REPLICA_STICKY_SECONDS``: people read their own writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        writes = _Writes()
        token = _request_writes.set(writes)
        try:
            response = self.get_response(request)
        finally:
            _request_writes.reset(token)
        if replica_configured() and (writes.wrote or request.method not in SAFE_METHODS):
            try:
                position = primary_position()
            except DatabaseError:
                return response
            response.set_signed_cookie(
                COOKIE,
                str(position),
                salt=COOKIE_SALT,
                max_age=settings.DATABASE_REPLICA_STICKY_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

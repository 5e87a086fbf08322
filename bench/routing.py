"""Which data set a query goes to: the alias chosen by ``using_database`` for this thread, else default.

The benchmark measures the same request on two databases (1,000 and 100,000
organizations) in one process, back to back; the views do not know about it.
"""

import contextlib
from contextvars import ContextVar

_alias: ContextVar[str | None] = ContextVar("bench_database_alias", default=None)


class BenchRouter:
    def db_for_read(self, model, **hints):
        return _alias.get()

    def db_for_write(self, model, **hints):
        return _alias.get()


def current_alias() -> str:
    return _alias.get() or "default"


@contextlib.contextmanager
def using_database(alias: str | None):
    token = _alias.set(alias)
    try:
        yield
    finally:
        _alias.reset(token)

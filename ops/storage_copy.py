"""Copy the local files (``MEDIA_ROOT``) to the configured storage, each verified by its SHA-256.

Each file keeps its name (the key in the bucket is the path under ``MEDIA_ROOT``), so the rows that
name it (``ApplicationDocument.file``) go on pointing at it. A file is checked against what the
storage holds under its name, read back from the storage:

- ``copied``: it was not there; written, read back, the same SHA-256;
- ``present``: it was there already with the same SHA-256 (nothing written: a second run copies nothing);
- ``differs``: something else is stored under that name; left alone, reported;
- ``corrupt``: written, but what was read back has another SHA-256; removed again, reported (a new run
  tries it again).
"""

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage

from workflows.documents import open_stored

COPIED, PRESENT, DIFFERS, CORRUPT = "copied", "present", "differs", "corrupt"
OUTCOMES = (COPIED, PRESENT, DIFFERS, CORRUPT)
FAILURES = (DIFFERS, CORRUPT)
BLOCK_BYTES = 1024 * 1024


class LocalTarget(Exception):
    """The target is local files: there is nothing to copy to."""


@dataclass
class CopyReport:
    counts: Counter = field(default_factory=Counter)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (outcome, name)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        return ", ".join(f"{self.counts[outcome]} {outcome}" for outcome in OUTCOMES)


def local_names(root: Path) -> Iterator[str]:
    """The name (POSIX path under ``root``) of every regular file under ``root``, in order."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path.relative_to(root).as_posix()


def sha256_of(chunks) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def stored_sha256(storage: Storage, name: str) -> str | None:
    """The SHA-256 of the file ``name`` as ``storage`` gives it back (streamed), None when absent."""
    try:
        stream, _size = open_stored(storage, name)
    except FileNotFoundError:
        return None
    try:
        return sha256_of(iter(lambda: stream.read(BLOCK_BYTES), b""))
    finally:
        stream.close()


def copy_one(root: Path, name: str, target: Storage) -> str:
    """Copy the file ``name`` under ``root`` to ``target`` unless there already; return the outcome."""
    path = root / name
    with path.open("rb") as local:
        local_sha = sha256_of(iter(lambda: local.read(BLOCK_BYTES), b""))
    stored = stored_sha256(target, name)
    if stored is not None:
        return PRESENT if stored == local_sha else DIFFERS
    with path.open("rb") as local:
        saved = target.save(name, File(local, name=name))
    if saved != name:  # stored meanwhile under that name by someone else: ours went elsewhere
        target.delete(saved)
        return DIFFERS
    if stored_sha256(target, name) != local_sha:
        target.delete(name)
        return CORRUPT
    return COPIED


def copy_to_storage(
    *, root: Path, target: Storage, progress: Callable[[str, str], None] | None = None
) -> CopyReport:
    """Copy every file under ``root`` to ``target`` (``copy_one``) and count the outcomes.

    Refuses (``LocalTarget``) when ``target`` is local files: that is where the files already are.
    """
    if isinstance(target, FileSystemStorage):
        raise LocalTarget
    report = CopyReport()
    for name in local_names(root):
        outcome = copy_one(root, name, target)
        report.counts[outcome] += 1
        if outcome in FAILURES:
            report.failed.append((outcome, name))
        if progress is not None:
            progress(outcome, name)
    return report

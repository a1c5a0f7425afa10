"""Importing a file of records: actors, sources, entries, corrections, retractions, links,
citations, and changes to actors (`domain.actor_records`).

The work has two stages. *Prepare* reads the records, checks their type and
key, and validates and encodes every entry; it needs no store, so on a large
file it runs in a worker process while this one writes. *Apply* writes in
file order: runs of entries go to the bulk path (`domain.bulk`) a batch per
transaction, every other record through the write service, one command each,
with the record's key as its idempotency key; such a record first writes the
entries before it, so an entry is stored before a correction names it.

A bad record is reported with its line and the reason and nothing of it is
stored; every good record around it is stored. A record naming a skipped
entry fails in turn, as an unknown reference. Importing the same file again
adds nothing: every record has a key, given or derived from its content.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import queue
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any, NamedTuple, cast

import orjson

from domain.actor_records import ACTOR_RECORD_TYPES, apply_actor_record
from domain.actors import parse_actor
from domain.application import TimelineApp
from domain.bulk import BulkEntryWriter, PreparedEntry, prepare_entry, reused_key
from domain.entry_keys import entry_id_for
from domain.errors import (
    AlreadyRegistered,
    DomainError,
    EntryNotFound,
    IdempotencyKeyReused,
    UnknownReference,
    ValidationError,
)
from domain.import_formats import Read, format_for, is_export, read_records
from domain.sources import parse_source
from domain.values import reject_unknown, require_text

__all__ = [
    "TYPES",
    "Bad",
    "Command",
    "ImportReport",
    "Importer",
    "entry_reference",
    "import_file",
    "prepare",
    "send_prepared",
]

CANONICAL_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
TYPES = (
    "actor",
    "source",
    "entry",
    "correction",
    "retraction",
    "link",
    "citation",
    *ACTOR_RECORD_TYPES,
)
BATCH_SIZE = 1000
# Below this size a worker process costs more to start than it saves.
PARALLEL_FROM_BYTES = 2_000_000
_CHUNK = 500
# Records this process prepares itself while the worker starts: about as many
# as it prepares and writes in that time.
_HEAD_START = 4000
_AHEAD = 16  # chunks received and not yet applied: some 10 MB at most
_FRAME_HEAD = 8


class Command(NamedTuple):
    """A record for the write service: anything but an entry."""

    line: int
    type: str
    key: str
    body: dict[str, Any]


class Bad(NamedTuple):
    """A record refused before it reached the store."""

    line: int
    message: str


Prepared = PreparedEntry | Command | Bad


@dataclass
class ImportReport:
    """Counts of records, and each bad record's line and reason."""

    read: int = 0
    stored: int = 0
    present: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def bad(self) -> int:
        return len(self.problems)

    def problem_lines(self) -> list[str]:
        """`line 12: details.participants: expected …`, in line order."""
        return [f"line {line}: {message}" for line, message in sorted(self.problems)]

    def summary(self) -> str:
        return (
            f"{self.read} records read: {self.stored} stored, "
            f"{self.present} already present, {self.bad} bad"
        )


def prepare(records: Iterable[Read], *, by: str) -> Iterator[Prepared]:
    """Check each record's type and key; validate and encode entries.

    The records are taken over: each loses its `type` and `key`, and what is
    left of it is the body a command gets.
    """
    for line, record in records:
        if isinstance(record, str):
            yield Bad(line, record)
            continue
        try:
            yield _prepare_one(line, record, by)
        except ValidationError as error:
            yield Bad(line, str(error))
        except TypeError as error:  # orjson's encode error: a value JSON cannot hold
            yield Bad(line, f"cannot be stored: {error}")


def _prepare_one(line: int, record: dict[str, Any], by: str) -> Prepared:
    # Popped rather than copied out: a copy of each of 100,000 records costs
    # a tenth of the preparing.
    kind = record.pop("type", None)
    key = record.pop("key", None)
    if not isinstance(kind, str) or kind not in TYPES:
        raise ValidationError("type", f"expected one of: {', '.join(TYPES)}")
    if key is None:
        content = orjson.dumps({"type": kind, **record}, option=orjson.OPT_SORT_KEYS)
        key = "sha256:" + hashlib.sha256(content).hexdigest()
    else:
        key = require_text(key, "key", limit=255)
    if kind == "entry":
        return prepare_entry(line, record, by=by, key=key)
    return Command(line, kind, key, record)


class Importer:
    """Applies prepared records in file order; see the module docstring."""

    def __init__(
        self,
        app: TimelineApp,
        *,
        by: str,
        batch_size: int = BATCH_SIZE,
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        self.app = app
        self.by = require_text(by, "by", limit=200)
        self.batch_size = batch_size
        self.on_progress = on_progress or (lambda line: None)
        self.writer = BulkEntryWriter(app, by=self.by)

    def apply(self, prepared: Iterable[Prepared]) -> ImportReport:
        """Store what is new; count what is present; report what is bad."""
        report = ImportReport()
        pending: list[PreparedEntry] = []
        for item in prepared:
            report.read += 1
            if isinstance(item, PreparedEntry):
                pending.append(item)
                if len(pending) >= self.batch_size:
                    self._flush(pending, report)
                continue
            self._flush(pending, report)
            if isinstance(item, Bad):
                report.problems.append((item.line, item.message))
            else:
                self._command(item, report)
            self.on_progress(item.line)
        self._flush(pending, report)
        return report

    def _flush(self, pending: list[PreparedEntry], report: ImportReport) -> None:
        if not pending:
            return
        outcome = self.writer.write(pending)
        report.stored += len(outcome.stored)
        report.present += len(outcome.present)
        report.problems.extend(outcome.problems)
        self.on_progress(pending[-1].line)
        pending.clear()

    def _command(self, item: Command, report: ImportReport) -> None:
        prior = self.app.keys.find_prior_result(self.by, item.key)
        try:
            self._run(item)
        except IdempotencyKeyReused:
            report.problems.append((item.line, reused_key(item.key)))
        except AlreadyRegistered as error:
            if self._registered_alike(item):
                report.present += 1
            else:
                report.problems.append((item.line, f"id: {error}"))
        except DomainError as error:
            report.problems.append((item.line, str(error)))
        else:
            if prior is None:
                report.stored += 1
            else:
                report.present += 1

    def _run(self, item: Command) -> None:
        app, by, key, body = self.app, self.by, item.key, item.body
        if item.type in ACTOR_RECORD_TYPES:
            apply_actor_record(app, item.type, body, by=by, idempotency_key=key)
            return
        if item.type == "actor":
            app.register_actor(body, by=by, idempotency_key=key)
        elif item.type == "source":
            app.register_source(body, by=by, idempotency_key=key)
        elif item.type == "correction":
            reject_unknown(body, ("id", "expected_version", "changes", "reason", "source"), "")
            with _naming(body.get("id"), "id"):
                app.correct_entry(
                    self._entry_id(body.get("id"), "id"),
                    expected_version=body.get("expected_version"),
                    changes=body.get("changes", {}),
                    reason=body.get("reason", ""),
                    source=body.get("source"),
                    by=by,
                    idempotency_key=key,
                )
        elif item.type == "retraction":
            reject_unknown(body, ("id", "expected_version", "reason"), "")
            with _naming(body.get("id"), "id"):
                app.retract_entry(
                    self._entry_id(body.get("id"), "id"),
                    expected_version=body.get("expected_version"),
                    reason=body.get("reason", ""),
                    by=by,
                    idempotency_key=key,
                )
        elif item.type == "citation":
            reject_unknown(body, ("id", "expected_version", "source", "quote", "locator"), "")
            citation = {k: v for k, v in body.items() if k not in ("id", "expected_version")}
            with _naming(body.get("id"), "id"):
                app.cite_source(
                    self._entry_id(body.get("id"), "id"),
                    citation,
                    expected_version=body.get("expected_version"),
                    by=by,
                    idempotency_key=key,
                )
        else:
            reject_unknown(body, ("id", "relation", "entry"), "")
            with _naming(body.get("id"), "id"), _naming(body.get("entry"), "entry"):
                app.link_entries(
                    self._entry_id(body.get("id"), "id"),
                    body.get("relation", ""),
                    self._entry_id(body.get("entry"), "entry"),
                    by=by,
                    idempotency_key=key,
                )

    def _entry_id(self, reference: object, field: str) -> str:
        return entry_reference(self.by, reference, field)

    def _registered_alike(self, item: Command) -> bool:
        """Whether the actor or source is registered with exactly this content."""
        if item.type == "actor":
            fields = parse_actor(item.body)
            actor = self.app.get_actor(fields.slug)
            held = (actor.name, actor.kind, actor.aliases, actor.roles)
            return held == (fields.name, fields.kind, fields.aliases, fields.roles)
        source = parse_source(item.body)
        found = self.app.get_source(source.slug)
        return all(getattr(found, name) == value for name, value in vars(source).items())


def entry_reference(by: str, reference: object, field: str) -> str:
    """An entry id as the API writes it (36 characters), or the id of the entry `by`
    imported under that key: a key of 32 hex digits is a key, not an id."""
    text = require_text(reference, field, limit=255)
    if CANONICAL_UUID.fullmatch(text):
        return text.lower()
    return str(entry_id_for(by, text))


@contextmanager
def _naming(reference: object, field: str) -> Iterator[None]:
    """Word a missing entry by the reference the record gave, not the UUID it maps to."""
    try:
        yield
    except EntryNotFound as error:
        if field != "id":
            raise
        raise UnknownReference(
            "id", f"no entry {reference!r} is recorded; record it before what names it"
        ) from error
    except UnknownReference as error:
        if error.field != field or field != "entry":
            raise
        raise UnknownReference(
            "entry", f"no entry {reference!r} is recorded; record it before what names it"
        ) from error


def import_file(
    app: TimelineApp,
    path: Path,
    *,
    by: str,
    fmt: str | None = None,
    batch_size: int = BATCH_SIZE,
    parallel: bool | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import the records of `path`; see the module docstring.

    `fmt` defaults to the extension's; `parallel` (by default: on a large file
    and more than one CPU) prepares in a worker process. `on_progress` gets
    the line reached. Raise ValueError for an unknown format.
    """
    fmt = fmt or format_for(path)
    importer = Importer(app, by=by, batch_size=batch_size, on_progress=on_progress)
    if parallel is None:
        parallel = (os.cpu_count() or 1) > 1 and path.stat().st_size >= PARALLEL_FROM_BYTES
    # An export's links and retractions wait for its last entry: one reader only.
    if not parallel or is_export(path, fmt):
        return importer.apply(prepare(read_records(path, fmt), by=importer.by))
    with _prepared_in_worker(path, fmt, importer.by, skip=_HEAD_START) as rest:
        # The worker needs a fifth of a second to start: this process prepares
        # the first records meanwhile, and the worker leaves them out.
        first = prepare(islice(read_records(path, fmt), _HEAD_START), by=importer.by)
        return importer.apply(chain(first, rest))


@contextmanager
def _prepared_in_worker(
    path: Path, fmt: str, by: str, *, skip: int
) -> Iterator[Iterator[Prepared]]:
    # A child interpreter, not multiprocessing: fork would copy this process's
    # database connections and threads, and spawn re-runs the caller's main
    # module.
    root = str(Path(__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }
    with tempfile.TemporaryFile() as errors:
        worker = subprocess.Popen(
            [sys.executable, "-m", "domain.import_worker", str(path), fmt, by, str(skip)],
            stdout=subprocess.PIPE,
            stderr=errors,
            env=env,
        )
        assert worker.stdout is not None  # PIPE was asked for
        receiver = _Receiver(worker.stdout)
        try:
            yield receiver.items(lambda: _stopped_early(worker, errors))
        finally:
            receiver.stop()
            if worker.poll() is None:
                worker.kill()
            worker.wait()
            receiver.join()
            worker.stdout.close()


class _Receiver:
    """Drains the worker's pipe on a thread, so the worker never waits on a full pipe.

    The thread only reads, which lets go of the GIL, and this process's
    writing lets go of it while SQLite inserts and commits, so the two
    overlap; unpickling stays on the caller's thread, where it cannot hold
    the GIL while SQLite wants it back. At most `_AHEAD` chunks wait.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._frames: queue.Queue[bytes | None] = queue.Queue(maxsize=_AHEAD)
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._read, args=(stream,), name="import-receiver", daemon=True
        )
        self._thread.start()

    def _read(self, stream: IO[bytes]) -> None:
        while not self._stopping.is_set():
            head = stream.read(_FRAME_HEAD)
            size = int.from_bytes(head, "big") if len(head) == _FRAME_HEAD else -1
            frame = stream.read(size) if size > 0 else b""
            if size < 0 or len(frame) < size:
                self._put(None)  # the worker stopped before its last frame
                return
            self._put(frame)
            if size == 0:
                return

    def _put(self, frame: bytes | None) -> None:
        while not self._stopping.is_set():
            try:
                self._frames.put(frame, timeout=0.1)
            except queue.Full:
                continue
            return

    def items(self, failure: Callable[[], Exception]) -> Iterator[Prepared]:
        """The prepared records in file order; raise `failure()` if the worker failed."""
        while True:
            frame = self._frames.get()
            if frame is None:
                raise failure()
            if not frame:
                return
            chunk: list[Prepared | tuple[Any, ...]] = pickle.loads(frame)
            for item in chunk:
                # Entries travel as plain tuples: a named tuple pickles 5 times slower.
                yield _as_entry(item) if type(item) is tuple else cast(Prepared, item)

    def stop(self) -> None:
        self._stopping.set()

    def join(self) -> None:
        self._thread.join()


def _stopped_early(worker: subprocess.Popen[bytes], errors: IO[bytes]) -> Exception:
    worker.wait()
    errors.seek(0)
    detail = errors.read().decode(errors="replace")
    return RuntimeError(f"the import worker stopped without finishing:\n{detail}")


def _as_entry(fields: tuple[Any, ...]) -> PreparedEntry:
    entry: PreparedEntry = tuple.__new__(PreparedEntry, fields)
    return entry


def send_prepared(path: Path, fmt: str, by: str, stream: IO[bytes], *, skip: int = 0) -> None:
    """The worker's side: prepare the file's records but the first `skip` and send
    them pickled, in chunks.

    A chunk goes as a frame: its size in `_FRAME_HEAD` bytes, then its pickle;
    an empty frame ends the stream.
    """
    chunk: list[Prepared | tuple[Any, ...]] = []
    for item in prepare(read_records(path, fmt, skip=skip), by=by):
        chunk.append(tuple(item) if type(item) is PreparedEntry else item)
        if len(chunk) >= _CHUNK:
            _send(pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL), stream)
            chunk = []
    if chunk:
        _send(pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL), stream)
    _send(b"", stream)
    stream.flush()


def _send(frame: bytes, stream: IO[bytes]) -> None:
    stream.write(len(frame).to_bytes(_FRAME_HEAD, "big"))
    stream.write(frame)

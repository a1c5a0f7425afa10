"""The base of every read model: a tracking recorder over tables of its own.

A view writes its rows and its tracking record in the same transaction, and
reads its tracked position inside that transaction first, so an event
delivered twice (two processes catching up at once, or a restart after a
crash between commit and acknowledgement) changes nothing the second time.
Events a view has no use for still move its position.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar
from uuid import uuid4

from eventsourcing.persistence import Tracking, TrackingRecorder

from projections.database import Cursor, Database, Row

if TYPE_CHECKING:
    from projections.views.changes import Change
    from projections.views.handlers import EventTable

__all__ = [
    "SHAPES_TABLE",
    "TRACKING_TABLE",
    "View",
    "create_tracking_table",
    "tracked_positions",
]

TRACKING_TABLE = "projection_tracking"
SHAPES_TABLE = "projection_shapes"
# Open-ended validity: a version row still current has this as its end position.
FOREVER = 2**62


def create_tracking_table(db: Database) -> None:
    with db.schema_change() as c:
        c.execute(
            f"CREATE TABLE IF NOT EXISTS {TRACKING_TABLE} ("
            "view TEXT NOT NULL, application TEXT NOT NULL, position BIGINT NOT NULL, "
            "PRIMARY KEY (view, application))"
        )
        c.execute(
            f"CREATE TABLE IF NOT EXISTS {SHAPES_TABLE} "
            "(view TEXT PRIMARY KEY, shape INTEGER NOT NULL)"
        )


def tracked_positions(
    c: Cursor, names: Sequence[str], application: str = "timeline"
) -> dict[str, int]:
    """The position each view of `names` (tracking names) has reached; a view that has
    tracked none is left out. Reads the tracking table alone, so a reader can ask
    without building the views."""
    marks = ", ".join("?" for _ in names)
    c.execute(
        f"SELECT view, position FROM {TRACKING_TABLE} WHERE application = ? AND view IN ({marks})",
        (application, *names),
    )
    return {str(view): int(position) for view, position in c.fetchall()}


class View(TrackingRecorder, ABC):
    """A read model. Subclasses name their tables and turn changes into rows."""

    name: ClassVar[str]
    tables: ClassVar[tuple[str, ...]]
    application = "timeline"
    shape: ClassVar[int] = 1
    """The version of what the view's rows hold. Raise it when they change for
    the same events; stores made before then are brought up to it by `reshape`."""
    rebuildable: ClassVar[bool] = True
    """Whether `Projector.rebuild` may rebuild this view from the log and swap it in."""
    appended: ClassVar[tuple[tuple[str, str], ...]] = ()
    """(table, its key's columns) of each table `apply` only inserts into, never
    reads. A bulk load (`projections.rebuild`) of fresh tables fills such a table in
    log order, without its key, and puts it in the key's order once at the end."""
    rekeyed: ClassVar[tuple[tuple[str, str], ...]] = ()
    """(table, its key's columns) of each table a bulk load of fresh tables fills in
    the form `load_statements` gives it (keyed in log order, say, where `apply`
    inserts at random places of the table's own key), and copies into the table
    in its key's order once at the end (`load_copy`, `projections.rebuild`).
    `apply` writes the load's form while `loading` says so."""
    packed: ClassVar[tuple[str, ...]] = ()
    """Tables a bulk load of fresh tables fills at random places of their clustered
    key (SQLite), with no index of their own: copied whole once at the end, into
    full pages (`projections.rebuild`)."""
    events: ClassVar[EventTable | None] = None
    """The view's handler table: which of the domain's event classes it handles and
    which it ignores. None for a view that takes every event whole, as stored."""

    def __init__(self, db: Database, *, suffix: str = "") -> None:
        self.db = db
        self.suffix = suffix
        self._token = ""  # the suffix of the index names of the tables `_create` made
        self.loading = False
        """Whether a bulk load fills the `rekeyed` tables in their `load_statements` form."""

    @property
    def tracking_name(self) -> str:
        return self.name + self.suffix

    @property
    def blob(self) -> str:
        """The column type of pre-serialized JSON bytes."""
        return self.db.dialect.blob

    @property
    def clustered(self) -> str:
        """What ends `CREATE TABLE` of a table stored in its key's order, with no
        second B-tree for the key: for narrow rows keyed by text."""
        return self.db.dialect.clustered

    def t(self, table: str) -> str:
        """The name of one of this view's tables, with the rebuild suffix if any."""
        return table + self.suffix

    # Schema ---------------------------------------------------------------

    def create_table(self, *, read_indexes: bool = True) -> None:
        """Create the view's tables and indexes unless they exist; `reshape` those
        of an older `shape`. Without `read_indexes`, the indexes only reads use
        (`read_index_statements`) wait for `create_read_indexes`: a rebuild makes
        them once, after its bulk load, rather than row by row."""
        with self.db.schema_change() as c:
            if not self.db.table_exists(self.t(self.tables[0]), c):
                self._create(c, read_indexes=read_indexes)
            elif not self.suffix and self._stored_shape(c) != self.shape:
                self.reshape(c, self._stored_shape(c))
            else:
                return
            if not self.suffix:  # a rebuild's tables take the live ones' place
                self.record_shape(c)

    def _create(self, c: Cursor, *, read_indexes: bool = True) -> None:
        # Index names are unique per schema and survive a table rename, so each
        # generation of a view gets its own, and a rebuilt view can be swapped in.
        self._token = token = uuid4().hex[:8]
        for statement in self.create_statements(token):
            c.execute(statement)
        if read_indexes:
            self.create_read_indexes(c)

    def create_read_indexes(self, c: Cursor) -> None:
        """Create the indexes `read_index_statements` names, on the tables `_create` made."""
        for statement in self.read_index_statements(self._token):
            c.execute(statement)

    def reshape(self, c: Cursor, stored: int) -> None:
        """Bring tables of shape `stored` to `shape`. By default, drop them and
        start afresh: the view is built again from the log as it catches up."""
        self.drop_tables(c)
        self._create(c)

    def _stored_shape(self, c: Cursor) -> int:
        c.execute(f"SELECT shape FROM {SHAPES_TABLE} WHERE view = ?", (self.name,))
        row = c.fetchone()
        return 1 if row is None else int(row[0])  # tables made before shapes were kept

    def record_shape(self, c: Cursor) -> None:
        """Record that the view's live tables have this class's `shape`."""
        c.execute(
            f"INSERT INTO {SHAPES_TABLE} (view, shape) VALUES (?, ?) "
            "ON CONFLICT (view) DO UPDATE SET shape = excluded.shape",
            (self.name, self.shape),
        )

    def drop_tables(self, c: Cursor) -> None:
        for table in self.tables:
            c.execute(f"DROP TABLE IF EXISTS {self.t(table)}")
        c.execute(
            f"DELETE FROM {TRACKING_TABLE} WHERE view = ? AND application = ?",
            (self.tracking_name, self.application),
        )

    @abstractmethod
    def create_statements(self, token: str) -> list[str]:
        """CREATE TABLE and CREATE INDEX statements; index names end with `token`.

        The indexes here are those `apply` reads by; the ones only queries use
        belong in `read_index_statements`."""

    def read_index_statements(self, token: str) -> list[str]:
        """CREATE INDEX statements of the indexes only queries read, never `apply`."""
        return []

    def load_statements(self, table: str, name: str) -> list[str]:
        """CREATE statements of `name`, which stands in for `table` (one of `rekeyed`)
        during a bulk load: its columns in its order, under another key; none to
        load `table` as it is. Index names start with `ix_{name}`."""
        return []

    def load_copy(self, table: str, loaded: str, keyed: str, key: str) -> str:
        """The statement that fills `keyed`, an empty `table`, from `loaded`, its load
        form (`load_statements`), in the order of its key `key`: row for row, by default."""
        return f"INSERT INTO {keyed} SELECT * FROM {loaded} ORDER BY {key}"

    # Events ---------------------------------------------------------------

    @abstractmethod
    def apply(self, c: Cursor, changes: Sequence[Change]) -> None:
        """Write the rows for `changes`, all newer than the view's position."""

    def process(self, c: Cursor, changes: Sequence[Change], tracking: Tracking) -> None:
        """Apply the changes this view has not seen and record `tracking`, in one transaction."""
        self.db.serialize(c, self.tracking_name)
        position = self._position(c)
        # Changes come in log order: most often all of them are new.
        fresh = (
            changes
            if changes and changes[0].position > position
            else [change for change in changes if change.position > position]
        )
        if fresh:
            self.apply(c, fresh)
        if tracking.notification_id > position:
            self._track(c, tracking.notification_id)

    def digest(self) -> str:
        """A SHA-256 over every row of the view's tables in a fixed order."""
        hasher = hashlib.sha256()
        with self.db.read() as c:
            for table, order in self.ordered_tables():
                c.execute(f"SELECT {self.columns(table)} FROM {self.t(table)} ORDER BY {order}")
                for row in c.fetchall():
                    hasher.update(repr(tuple(_plain(v) for v in row)).encode())
        return hasher.hexdigest()

    def rows(self) -> dict[str, list[tuple[object, ...]]]:
        """Every row of every table, in a fixed order: for comparing two builds."""
        found: dict[str, list[tuple[object, ...]]] = {}
        with self.db.read() as c:
            for table, order in self.ordered_tables():
                c.execute(f"SELECT {self.columns(table)} FROM {self.t(table)} ORDER BY {order}")
                found[table] = [tuple(_plain(v) for v in row) for row in c.fetchall()]
        return found

    @abstractmethod
    def ordered_tables(self) -> list[tuple[str, str]]:
        """(table, ORDER BY clause) for each table whose rows define the view."""

    def columns(self, table: str) -> str:
        """What `digest` and `rows` read of each row of `table`: all of it, by default."""
        return "*"

    def fetch_state(self, c: Cursor, sql: str, params: Sequence[object], what: str) -> Row:
        """The one row an event builds on; raise LookupError naming `what` if it is missing.

        A view that skipped an event is worse than one that stops.
        """
        c.execute(sql, params)
        row = c.fetchone()
        if row is None:
            raise LookupError(
                f"the {self.name} view has no {what}; rebuild it with `policy-timeline replay`"
            )
        return row

    # Tracking -------------------------------------------------------------

    def _position(self, c: Cursor) -> int:
        name = self.tracking_name
        return tracked_positions(c, (name,), self.application).get(name, 0)

    def _track(self, c: Cursor, position: int) -> None:
        # Announced at commit (PostgreSQL): a write waiting for this view wakes then.
        track([self], c, position)

    def insert_tracking(self, tracking: Tracking) -> None:
        with self.db.write() as c:
            self.db.serialize(c, self.tracking_name)
            if tracking.notification_id > self._position(c):
                self._track(c, tracking.notification_id)

    def max_tracking_id(self, application_name: str) -> int | None:
        name = self.tracking_name
        with self.db.read() as c:
            return tracked_positions(c, (name,), application_name).get(name)

    def position(self) -> int:
        """The log position this view reflects, 0 before any event."""
        return self.max_tracking_id(self.application) or 0


def _plain(value: object) -> object:
    # PostgreSQL returns bytes columns as memoryview; compare them as bytes.
    return bytes(value) if isinstance(value, memoryview) else value


def track(views: Sequence[View], c: Cursor, position: int) -> None:
    """Record that `views` (of one database) reached `position`, and announce it to
    the processes that wait for them: one statement, one announcement for them all."""
    rows = ", ".join("(?, ?, ?)" for _ in views)
    views[0].db.announce(
        c,
        " ".join(view.tracking_name for view in views),
        position,
        along=(
            f"INSERT INTO {TRACKING_TABLE} (view, application, position) VALUES {rows} "
            "ON CONFLICT (view, application) DO UPDATE SET position = excluded.position",
            [arg for view in views for arg in (view.tracking_name, view.application, position)],
        ),
    )

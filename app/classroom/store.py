"""The class store: classes, their questions, students and answers, on SQLAlchemy Core.

SQLite by default (`<data dir>/classes.sqlite3`, WAL, created on first use; the data dir is
DESCENT_DATA_DIR, default ~/.descent-lab), PostgreSQL when DESCENT_DATABASE_URL is set
(`postgresql+psycopg://user:pw@host/db`): then every replica behind a load balancer sees the
same classes. No Streamlit here: plain functions of the database, so every rule is checked
server-side and testable without a browser.

Safety rules, all enforced here:
- the teacher secret (192 bits) is stored as its SHA-256 and compared in constant time
  (hmac.compare_digest); the join code alone administers nothing;
- student tokens (128 bits) are stored only as SHA-256 digests: nobody can read them back;
  no personal data (an optional nickname ≤ 20 characters, never markup-interpreted);
- an answer is checked against the current question's choices or map box, refused once the
  question is revealed, capped per student per minute, and committed before it is
  acknowledged (SQLite synchronous=FULL, PostgreSQL's default synchronous_commit);
- caps on classes per server and students per class; classes expire after 12 h and are
  deleted with their questions, students and answers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read off a projector
CODE_LENGTH = 4
MAX_CLASSES = int(os.environ.get("DESCENT_MAX_CLASSES", "500"))
MAX_STUDENTS = 200
ANSWERS_PER_MINUTE = 30
CLASS_TTL_S = 12 * 3600
MAX_NICKNAME = 20
MAX_VALUE = 64  # characters of one answer ("B", or "x,y" of a map tap)
MAX_PROMPT = 500
MAX_CHOICES = 8
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
SCHEMA_VERSION = 1

metadata = sa.MetaData()
meta = sa.Table(
    "dl_meta",
    metadata,
    sa.Column("key", sa.String(32), primary_key=True),
    sa.Column("value", sa.String(64), nullable=False),
)
classes = sa.Table(
    "dl_classes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(8), nullable=False, unique=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False, index=True),
    sa.Column("number", sa.Integer, nullable=False),  # the current question
)
questions = sa.Table(
    "dl_questions",
    metadata,
    sa.Column("class_id", sa.Integer, primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("body", sa.Text, nullable=False),  # Question as JSON
    sa.Column("revealed", sa.Boolean, nullable=False, default=False),
)
students = sa.Table(
    "dl_students",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),  # SHA-256 of the token
    sa.Column("class_id", sa.Integer, nullable=False, index=True),
    sa.Column("nickname", sa.String(MAX_NICKNAME), nullable=False, default=""),
    sa.Column("joined_at", sa.Float, nullable=False),
    sa.Column("window_start", sa.Float, nullable=False),
    sa.Column("window_count", sa.Integer, nullable=False),
)
answers = sa.Table(
    "dl_answers",
    metadata,
    sa.Column("class_id", sa.Integer, primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("student_id", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(MAX_VALUE), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)


def _migrate_to_1(conn: sa.Connection) -> None:
    metadata.create_all(conn, checkfirst=True)


# MIGRATIONS[v] brings a database at version v to v + 1; append, never edit.
MIGRATIONS = (_migrate_to_1,)
assert len(MIGRATIONS) == SCHEMA_VERSION


class Refused(ValueError):
    """A request the store will not carry out; the message is safe to show as it is."""


@dataclass(frozen=True)
class Question:
    """What every phone shows: a prompt and either choices (key, text) or a map box to tap.

    `scene` is the query string of the scene the reveal runs; `lesson` names its lesson."""

    prompt: str
    choices: tuple[tuple[str, str], ...] = ()
    box: tuple[float, float, float, float] | None = None  # x0, x1, y0, y1 for a map tap
    scene: str = ""
    lesson: str = ""

    @property
    def kind(self) -> str:
        return "tap" if self.box is not None else "choice"

    def to_json(self) -> str:
        return json.dumps(
            {
                "prompt": self.prompt,
                "choices": [list(c) for c in self.choices],
                "box": list(self.box) if self.box is not None else None,
                "scene": self.scene,
                "lesson": self.lesson,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Question:
        d = json.loads(text)
        box = tuple(d["box"]) if d["box"] is not None else None
        choices = tuple((str(k), str(t)) for k, t in d["choices"])
        return cls(d["prompt"], choices, box, d["scene"], d["lesson"])

    def check(self) -> Question:
        """Itself if well formed (a teacher's question is data too), else Refused."""
        if not self.prompt or len(self.prompt) > MAX_PROMPT:
            raise Refused("A question needs a prompt of at most 500 characters.")
        if self.box is None:
            keys = [k for k, _ in self.choices]
            if not 2 <= len(keys) <= MAX_CHOICES or len(set(keys)) != len(keys):
                raise Refused("A question needs 2 to 8 choices with distinct keys.")
            if any(not k or len(k) > 8 for k in keys):
                raise Refused("A choice key has 1 to 8 characters.")
        else:
            x0, x1, y0, y1 = self.box
            if not (all(map(math.isfinite, self.box)) and x0 < x1 and y0 < y1):
                raise Refused("A map question needs a finite box with x0 < x1 and y0 < y1.")
        return self

    def parse_answer(self, value: object) -> str:
        """The canonical stored text of an answer, or Refused with what is wrong."""
        if not isinstance(value, str):
            raise Refused("An answer must be text.")
        if len(value) > MAX_VALUE:
            raise Refused(f"That answer is too long (at most {MAX_VALUE} characters).")
        if self.box is None:
            if value not in dict(self.choices):
                raise Refused("That is not one of this question's choices.")
            return value
        parts = value.split(",")
        try:
            x, y = (float(p) for p in parts) if len(parts) == 2 else (math.nan, math.nan)
        except ValueError:
            x = y = math.nan
        if not (math.isfinite(x) and math.isfinite(y)):
            raise Refused("A map answer is a point 'x,y' of two numbers.")
        x0, x1, y0, y1 = self.box
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            raise Refused("That point is outside the map.")
        return f"{x:.4g},{y:.4g}"


@dataclass(frozen=True)
class ClassState:
    """A class as everyone may see it (no secret, no tokens)."""

    code: str
    number: int
    question: Question
    revealed: bool
    joined: int
    answered: int
    expires_at: float


@dataclass(frozen=True)
class Started:
    code: str
    secret: str  # shown once, to the teacher; only its digest is stored


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def clean_nickname(raw: object) -> str:
    """A nickname as stored: text, stripped, ≤ 20 characters (never interpreted as markup)."""
    if not isinstance(raw, str):
        raise Refused("A nickname must be text.")
    name = " ".join(raw.split())
    if len(name) > MAX_NICKNAME:
        raise Refused(f"A nickname has at most {MAX_NICKNAME} characters.")
    if any(not ch.isprintable() for ch in name):
        raise Refused("A nickname cannot contain control characters.")
    return name


def normal_code(raw: object) -> str:
    """A join code as typed ('k7q2 ') in its stored form, or Refused."""
    code = raw.strip().upper() if isinstance(raw, str) else ""
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise Refused("No such class: a class code is 4 letters and digits, e.g. K7Q2.")
    return code


class Store:
    """One database (SQLite file or PostgreSQL server) holding every class."""

    def __init__(self, url: str, clock=time.time) -> None:
        self.url = url
        self.clock = clock
        self.engine = make_engine(url)
        self.postgres = self.engine.dialect.name == "postgresql"
        self.migrate()

    # ----------------------------------------------------------------- schema
    def migrate(self) -> int:
        """Bring the schema to SCHEMA_VERSION (one replica at a time); return the version."""
        with self.engine.begin() as conn:
            if self.postgres:  # replicas starting together: one migrates, the others wait
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(7419001)"))
            meta.create(conn, checkfirst=True)
            row = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema")).first()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise RuntimeError(f"database schema {version} is newer than this code's")
            for step in MIGRATIONS[version:]:
                step(conn)
            if row is None:
                conn.execute(meta.insert().values(key="schema", value=str(SCHEMA_VERSION)))
            elif version != SCHEMA_VERSION:
                conn.execute(
                    meta.update().where(meta.c.key == "schema").values(value=str(SCHEMA_VERSION))
                )
        return SCHEMA_VERSION

    def schema_version(self) -> int:
        with self._read() as conn:
            return int(conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema")).one()[0])

    # ----------------------------------------------------------------- teacher
    def start(self, question: Question) -> Started:
        """A new class on its first question: a free join code and a fresh teacher secret."""
        question.check()
        now = self.clock()
        self.purge()
        secret = secrets.token_urlsafe(24)
        for _ in range(20):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            try:
                with self.engine.begin() as conn:
                    live = conn.execute(
                        sa.select(sa.func.count()).select_from(classes)
                    ).scalar_one()
                    if live >= MAX_CLASSES:
                        raise Refused("This server already runs as many classes as it may.")
                    class_id = conn.execute(
                        classes.insert().values(
                            code=code,
                            secret_hash=digest(secret),
                            created_at=now,
                            expires_at=now + CLASS_TTL_S,
                            number=1,
                        )
                    ).inserted_primary_key[0]
                    conn.execute(
                        questions.insert().values(
                            class_id=class_id, number=1, body=question.to_json(), revealed=False
                        )
                    )
                return Started(code, secret)
            except sa.exc.IntegrityError:  # the code is taken: draw another
                continue
        raise Refused("Could not find a free class code; try again.")

    def _teacher_class(self, conn: sa.Connection, code: str, secret: object) -> sa.Row:
        """The class row, locked, if `secret` is its teacher's; else Refused (same message
        for a wrong code and a wrong secret, and a digest compared in constant time)."""
        row = conn.execute(
            sa.select(classes)
            .where(classes.c.code == normal_code(code), classes.c.expires_at > self.clock())
            .with_for_update()
        ).first()
        given = digest(secret) if isinstance(secret, str) else ""
        stored = row.secret_hash if row is not None else digest(secrets.token_hex(16))
        if not (hmac.compare_digest(given, stored) and row is not None):
            raise Refused("Only the class's teacher can do that (open the private teacher link).")
        return row

    def is_teacher(self, code: str, secret: object) -> bool:
        try:
            with self.engine.begin() as conn:
                self._teacher_class(conn, code, secret)
            return True
        except Refused:
            return False

    def reveal(self, code: str, secret: object) -> None:
        """Close the current question: answers freeze and the distribution may be shown."""
        with self.engine.begin() as conn:
            row = self._teacher_class(conn, code, secret)
            conn.execute(
                questions.update()
                .where(questions.c.class_id == row.id, questions.c.number == row.number)
                .values(revealed=True)
            )

    def ask(self, code: str, secret: object, question: Question) -> int:
        """Move every phone on to a new question; return its number."""
        question.check()
        with self.engine.begin() as conn:
            row = self._teacher_class(conn, code, secret)
            number = row.number + 1
            conn.execute(
                questions.insert().values(
                    class_id=row.id, number=number, body=question.to_json(), revealed=False
                )
            )
            conn.execute(classes.update().where(classes.c.id == row.id).values(number=number))
        return number

    def end(self, code: str, secret: object) -> None:
        """Delete the class with everything it holds."""
        with self.engine.begin() as conn:
            self._delete(conn, [self._teacher_class(conn, code, secret).id])

    def tally(self, code: str, secret: object) -> Counter:
        """The current question's answers, value -> count (teacher only)."""
        with self.engine.begin() as conn:
            row = self._teacher_class(conn, code, secret)
            rows = conn.execute(
                sa.select(answers.c.value, sa.func.count())
                .where(answers.c.class_id == row.id, answers.c.number == row.number)
                .group_by(answers.c.value)
            )
            return Counter(dict(rows.all()))

    # ----------------------------------------------------------------- everyone
    def state(self, code: str) -> ClassState:
        """The class's current question and its counts (Refused if there is no such class)."""
        code = normal_code(code)
        with self._read() as conn:
            row = conn.execute(
                sa.select(classes.c.id, classes.c.number, classes.c.expires_at).where(
                    classes.c.code == code, classes.c.expires_at > self.clock()
                )
            ).first()
            if row is None:
                raise Refused(f"No class {code} is running (classes end after 12 hours).")
            q = conn.execute(
                sa.select(questions.c.body, questions.c.revealed).where(
                    questions.c.class_id == row.id, questions.c.number == row.number
                )
            ).one()
            joined = conn.execute(
                sa.select(sa.func.count()).where(students.c.class_id == row.id)
            ).scalar_one()
            answered = conn.execute(
                sa.select(sa.func.count()).where(
                    answers.c.class_id == row.id, answers.c.number == row.number
                )
            ).scalar_one()
        return ClassState(
            code, row.number, Question.from_json(q.body), bool(q.revealed), joined, answered,
            row.expires_at,
        )  # fmt: skip

    # ----------------------------------------------------------------- students
    def join(self, code: str, token: object = None, nickname: object = "") -> str:
        """The student's token: `token` again if it belongs to this class (a reconnect),
        else a fresh one (the class must have room)."""
        name = clean_nickname(nickname)
        with self.engine.begin() as conn:
            row = self._live_class(conn, code, lock=True)
            if isinstance(token, str) and TOKEN_RE.fullmatch(token):
                mine = conn.execute(
                    sa.select(students.c.id).where(
                        students.c.id == digest(token), students.c.class_id == row.id
                    )
                ).first()
                if mine is not None:
                    if name:
                        conn.execute(
                            students.update()
                            .where(students.c.id == digest(token))
                            .values(nickname=name)
                        )
                    return token
            count = conn.execute(
                sa.select(sa.func.count()).where(students.c.class_id == row.id)
            ).scalar_one()
            if count >= MAX_STUDENTS:
                raise Refused(f"This class is full ({MAX_STUDENTS} students).")
            token = secrets.token_urlsafe(16)
            now = self.clock()
            conn.execute(
                students.insert().values(
                    id=digest(token),
                    class_id=row.id,
                    nickname=name,
                    joined_at=now,
                    window_start=now,
                    window_count=0,
                )
            )
        return token

    def nickname(self, code: str, token: object) -> str:
        with self._read() as conn:
            row = self._live_class(conn, code)
            return (
                conn.execute(
                    sa.select(students.c.nickname).where(
                        students.c.id == self._student_id(token), students.c.class_id == row.id
                    )
                ).scalar_one_or_none()
                or ""
            )

    def nicknames(self, code: str) -> list[str]:
        """The nicknames students chose (for the projector), in joining order."""
        with self._read() as conn:
            row = self._live_class(conn, code)
            rows = conn.execute(
                sa.select(students.c.nickname)
                .where(students.c.class_id == row.id, students.c.nickname != "")
                .order_by(students.c.joined_at)
            )
            return [r[0] for r in rows]

    def answer(self, code: str, token: object, number: object, value: object) -> str:
        """Store (or change) this student's answer to question `number`; return it as stored.

        Returns only after the transaction committed: an acknowledged answer is durable."""
        if not isinstance(number, int) or isinstance(number, bool):
            raise Refused("Malformed answer: no question number.")
        now = self.clock()
        with self.engine.begin() as conn:
            row = self._live_class(conn, code)
            if number != row.number:
                raise Refused("The class has moved on to another question.")
            q = conn.execute(  # FOR SHARE: a concurrent reveal waits for this answer
                sa.select(questions.c.body, questions.c.revealed)
                .where(questions.c.class_id == row.id, questions.c.number == number)
                .with_for_update(read=True)
            ).one()
            if q.revealed:
                raise Refused("Answers are closed: the teacher has revealed this question.")
            stored = Question.from_json(q.body).parse_answer(value)
            sid = self._student_id(token)
            student = conn.execute(
                sa.select(students)
                .where(students.c.id == sid, students.c.class_id == row.id)
                .with_for_update()
            ).first()
            if student is None:
                raise Refused("Join the class first (open the class link again).")
            start, count = student.window_start, student.window_count
            if now - start >= 60:
                start, count = now, 0
            if count >= ANSWERS_PER_MINUTE:
                raise Refused(f"Too many answers: at most {ANSWERS_PER_MINUTE} a minute.")
            conn.execute(
                students.update()
                .where(students.c.id == sid)
                .values(window_start=start, window_count=count + 1)
            )
            insert = pg_insert if self.postgres else sqlite_insert
            stmt = insert(answers).values(
                class_id=row.id, number=number, student_id=sid, value=stored, at=now
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=[answers.c.class_id, answers.c.number, answers.c.student_id],
                    set_={"value": stored, "at": now},
                )
            )
        return stored

    def my_answer(self, code: str, token: object, number: int) -> str | None:
        with self._read() as conn:
            row = self._live_class(conn, code)
            return conn.execute(
                sa.select(answers.c.value).where(
                    answers.c.class_id == row.id,
                    answers.c.number == number,
                    answers.c.student_id == self._student_id(token),
                )
            ).scalar_one_or_none()

    def count_answers(self, code: str) -> int:
        """Every stored answer of the class, all questions (the load test's check)."""
        with self._read() as conn:
            row = self._live_class(conn, code)
            return conn.execute(
                sa.select(sa.func.count()).where(answers.c.class_id == row.id)
            ).scalar_one()

    # ----------------------------------------------------------------- housekeeping
    def purge(self) -> int:
        """Delete expired classes with everything they hold; return how many."""
        with self.engine.begin() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    sa.select(classes.c.id).where(classes.c.expires_at <= self.clock())
                )
            ]
            self._delete(conn, ids)
        return len(ids)

    @staticmethod
    def _delete(conn: sa.Connection, ids: list[int]) -> None:
        if ids:
            for table in (answers, students, questions):
                conn.execute(table.delete().where(table.c.class_id.in_(ids)))
            conn.execute(classes.delete().where(classes.c.id.in_(ids)))

    def _live_class(self, conn: sa.Connection, code: str, lock: bool = False) -> sa.Row:
        code = normal_code(code)
        query = sa.select(classes.c.id, classes.c.number).where(
            classes.c.code == code, classes.c.expires_at > self.clock()
        )
        row = conn.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise Refused(f"No class {code} is running (classes end after 12 hours).")
        return row

    def _read(self) -> sa.Connection:
        """A connection for reading only (on SQLite a plain BEGIN: readers never queue)."""
        return self.engine.connect().execution_options(read_only=True)

    @staticmethod
    def _student_id(token: object) -> str:
        if not (isinstance(token, str) and TOKEN_RE.fullmatch(token)):
            raise Refused("Join the class first (open the class link again).")
        return digest(token)


# --------------------------------------------------------------------------- engines


def data_dir() -> Path:
    return Path(os.environ.get("DESCENT_DATA_DIR") or Path.home() / ".descent-lab")


def database_url() -> str:
    """DESCENT_DATABASE_URL, or the SQLite file under the data directory (created)."""
    url = os.environ.get("DESCENT_DATABASE_URL", "").strip()
    if url:
        return url
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'classes.sqlite3'}"


def make_engine(url: str) -> sa.Engine:
    """An engine; SQLite gets WAL, full fsync, a busy timeout and write-locking BEGINs."""
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    engine = sa.create_engine(url, connect_args={"timeout": 10})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")  # committed = on disk before the ack
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        # IMMEDIATE: take the write lock up front, so two writers queue on busy_timeout
        # instead of one failing at once when its read lock cannot be upgraded.
        read_only = conn.get_execution_options().get("read_only")
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


_stores: dict[str, Store] = {}
_lock = threading.Lock()


def get_store(url: str | None = None) -> Store:
    """The process's store for `url` (default: database_url()), created once."""
    url = url or database_url()
    with _lock:
        if url not in _stores:
            _stores[url] = Store(url)
        return _stores[url]

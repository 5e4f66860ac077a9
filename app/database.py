"""The application's connections to its database, beyond Flask-SQLAlchemy's defaults.

PostgreSQL through psycopg: a statement run often enough on a connection (5 times) is prepared,
and the server then plans it once instead of on every run. The journal's pages are made of a few
large statements (the week of the diary joins fifteen tables): planning one costs 5–10 ms on the
server, running it under 1 ms. But psycopg forgets every prepared statement of a connection on
each ROLLBACK, in case the transaction created something a statement refers to, and every
request that wrote nothing ends with a ROLLBACK when its connection goes back to the pool. So no
statement ever stayed prepared, and every page was planned anew each time.

The journal changes no schema while it serves pages (migrations run apart, on connections of
their own), so its connections keep their prepared statements across a ROLLBACK: the same
ROLLBACK reaches the server, and the server keeps prepared statements through it anyway.
"""
import psycopg
from psycopg import pq
from sqlalchemy import event

IN_TRANSACTION = (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)


class JournalConnection(psycopg.Connection):
    """psycopg's connection whose rollback() keeps the statements it has prepared."""

    def rollback(self):
        # SQLAlchemy opens no psycopg transaction blocks, pipelines or two-phase commits, the
        # cases psycopg's own rollback() looks after. Outside a transaction (nothing to undo, a
        # query still running, a broken connection) psycopg's rollback() answers as it would.
        if self.pgconn.transaction_status not in IN_TRANSACTION:
            return super().rollback()
        with self.lock:
            result = self.pgconn.exec_(b"ROLLBACK")
        if result.status != pq.ExecStatus.COMMAND_OK:
            raise psycopg.OperationalError(
                f"ROLLBACK: {result.error_message.decode(errors='replace') or result.status.name}")


def init_app(app, db):
    """Connect to PostgreSQL through JournalConnection (SQLite needs nothing)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        event.listen(engine, "do_connect", _connect)


def _connect(dialect, connection_record, cargs, cparams):
    return JournalConnection.connect(*cargs, **cparams)

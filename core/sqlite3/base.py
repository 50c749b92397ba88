"""Django's SQLite backend, plus planner statistics kept fresh: ``PRAGMA optimize`` as each connection closes.

SQLite never gathers statistics on its own: without ``sqlite_stat1`` the planner guesses, and picked a poor
index for the roll-up's joins. ``seed_demo`` runs ``ANALYZE`` after its bulk load; after that, SQLite's own
advice for short-lived connections (ours close at the end of every request and task) is ``PRAGMA optimize``
just before closing. It re-analyses only the tables this connection queried whose size has changed a lot
since the last ``ANALYZE`` (usually none: then it costs a few microseconds), and ``analysis_limit`` (set on
open) caps each such ``ANALYZE`` at a sample of rows, so a close never scans a big table. It is best effort:
a locked database or a read-only file skips it.

(``PRAGMA optimize`` on open, flag 0x10000, needs SQLite 3.46; Debian 12 has 3.40, where it does nothing on a
fresh connection: hence on close.)
"""

import contextlib

from django.db import DatabaseError
from django.db.backends.sqlite3 import base

ANALYSIS_LIMIT = 1000


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        conn = super().get_new_connection(conn_params)
        conn.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        return conn

    def _close(self):
        if self.connection is not None and not self.in_atomic_block:
            with contextlib.suppress(DatabaseError, base.Database.Error):
                self.connection.execute("PRAGMA optimize")
        super()._close()

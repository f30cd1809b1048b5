"""`flask db create` on a database an older version made: a clear refusal (production upgrades its
database), or, for make run's demo file, the old file put aside and a new one made."""

from __future__ import annotations

import sqlite3

from tests.conftest import make_app


def test_an_older_database_is_refused_with_what_it_lacks_or_replaced_for_the_demo(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as old:  # admin_users as an older version made it: no language column
        old.execute("CREATE TABLE admin_users (id INTEGER PRIMARY KEY, email VARCHAR(200), password_hash "
                    "VARCHAR(300), role VARCHAR(16), active BOOLEAN, created_at DATETIME, last_login_at DATETIME)")
    app = make_app(f"sqlite:///{path}")
    refused = app.test_cli_runner().invoke(args=["db", "create"])
    assert refused.exit_code != 0 and "admin_users.language" in refused.output and "older version" in refused.output
    replaced = app.test_cli_runner().invoke(args=["db", "create", "--replace-outdated"])
    assert replaced.exit_code == 0, replaced.output
    assert (tmp_path / "old.db.old").exists() and "kept as" in replaced.output
    again = app.test_cli_runner().invoke(args=["db", "create"])
    assert again.exit_code == 0 and "schema is up to date" in again.output

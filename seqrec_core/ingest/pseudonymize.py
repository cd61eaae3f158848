"""Pseudonymisation: user ids replaced by a keyed hash before anything is stored.

The key (32 random bytes) lives in the workspace (`Workspace.pseudonym_key`), so the
same user gets the same pseudonym in every dataset of one workspace and nobody without
the key can recompute it from a known id.
"""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pyarrow as pa


def pseudonymize_users(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """Replace user ids in `classified` by `u_` + 16 hex digits of HMAC-SHA256(key, id)."""
    users = [r[0] for r in con.execute("SELECT DISTINCT user_id FROM classified").fetchall()]
    users = [u for u in users if u is not None]
    hashed = [
        "u_" + hmac.new(key, u.encode("utf-8"), hashlib.sha256).hexdigest()[:16] for u in users
    ]
    con.register("pseudonyms", pa.table({"original": users, "pseudonym": hashed}))
    con.execute(
        "UPDATE classified SET user_id = p.pseudonym FROM pseudonyms p "
        "WHERE classified.user_id = p.original"
    )

"""The database schema and its migrations.

Migrations are numbered SQL scripts applied in order inside one transaction each; ``schema_version`` records
which ran, so a newer bot opening an older file upgrades it in place and an older bot refuses a newer file
(it cannot know what the new columns mean for money).
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE IF NOT EXISTS sessions (
            id TEXT PRIMARY KEY,
            mode TEXT NOT NULL,
            profile TEXT NOT NULL,
            coin TEXT NOT NULL,
            started REAL NOT NULL,
            ended REAL,
            starting_bankroll_lamports INTEGER,
            summary TEXT
        );
        CREATE TABLE IF NOT EXISTS games (
            id TEXT PRIMARY KEY,
            final_tick INTEGER,
            peak REAL,
            seen_complete INTEGER,
            version TEXT,
            hash TEXT,
            seed TEXT,
            verified INTEGER
        );
        CREATE TABLE IF NOT EXISTS decisions (
            id INTEGER PRIMARY KEY,
            session TEXT,
            t REAL NOT NULL,
            game TEXT,
            tick INTEGER,
            p_win REAL,
            p_low REAL,
            p_high REAL,
            ev REAL,
            zone TEXT,
            amount_lamports INTEGER,
            strategy TEXT,
            reason TEXT,
            verdict TEXT
        );
        CREATE INDEX IF NOT EXISTS decisions_session ON decisions(session, t);
        CREATE TABLE IF NOT EXISTS bets (
            seq INTEGER PRIMARY KEY,
            bet_id TEXT NOT NULL UNIQUE,
            session TEXT NOT NULL,
            game TEXT NOT NULL,
            decided_tick INTEGER NOT NULL,
            decided_t REAL NOT NULL,
            amount_lamports INTEGER NOT NULL CHECK (amount_lamports > 0),
            coin TEXT NOT NULL,
            strategy TEXT NOT NULL,
            reason TEXT NOT NULL,
            status TEXT NOT NULL,
            start_tick INTEGER,
            end_tick INTEGER,
            payout_lamports INTEGER NOT NULL DEFAULT 0,
            latency_s REAL,
            message TEXT NOT NULL DEFAULT '',
            created_t REAL NOT NULL,
            updated_t REAL NOT NULL,
            settled_t REAL
        );
        CREATE INDEX IF NOT EXISTS bets_status ON bets(status);
        CREATE INDEX IF NOT EXISTS bets_session ON bets(session, seq);
        CREATE TABLE IF NOT EXISTS halts (
            id INTEGER PRIMARY KEY,
            active INTEGER NOT NULL,
            reason TEXT NOT NULL,
            source TEXT NOT NULL,
            set_at REAL NOT NULL,
            cleared_at REAL,
            cleared_by TEXT
        );
        CREATE INDEX IF NOT EXISTS halts_active ON halts(active);
        CREATE TABLE IF NOT EXISTS guard_events (
            id INTEGER PRIMARY KEY,
            session TEXT,
            t REAL NOT NULL,
            guard TEXT NOT NULL,
            action TEXT NOT NULL,
            reason TEXT NOT NULL,
            until REAL
        );
        CREATE TABLE IF NOT EXISTS tick_stats (
            id INTEGER PRIMARY KEY,
            session TEXT,
            t REAL NOT NULL,
            game TEXT,
            samples INTEGER,
            ewma_s REAL,
            jitter_s REAL,
            p50_s REAL,
            p99_s REAL,
            max_s REAL,
            stalls INTEGER
        );
        CREATE TABLE IF NOT EXISTS events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            t REAL NOT NULL,
            session TEXT,
            kind TEXT NOT NULL,
            data TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS events_session ON events(session, seq);
        -- append-only: the log is the evidence a session's performance is rebuilt from
        CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;
        CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;
        """,
    ),
    (
        2,
        """
        -- every bet knows whose it is (the server's player id, or paper:<profile>), its mode, and which evidence
        -- its last status rests on; rows written before have NULL: the legacy account, never settled automatically
        ALTER TABLE bets ADD COLUMN account TEXT;
        ALTER TABLE bets ADD COLUMN mode TEXT;
        ALTER TABLE bets ADD COLUMN evidence TEXT;
        ALTER TABLE sessions ADD COLUMN account TEXT;
        CREATE INDEX IF NOT EXISTS bets_account ON bets(account, status);
        """,
    ),
    (
        # Retention and memory (issue 14). Idempotent (IF NOT EXISTS / DROP IF EXISTS / OR IGNORE).
        3,
        """
        CREATE TABLE IF NOT EXISTS saved_state (
            scope TEXT NOT NULL,
            kind TEXT NOT NULL,
            version INTEGER NOT NULL,
            saved_t REAL NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (scope, kind)
        );
        -- a row exists only inside `rugsbot prune`'s own transaction: the one path allowed to delete events
        CREATE TABLE IF NOT EXISTS prune_permit (id INTEGER PRIMARY KEY CHECK (id = 1));
        -- events stays append-only for every kind the ledger, halts and sessions are rebuilt from (and every
        -- kind not listed here, including future ones); only statistics kinds may go, and only while pruning
        DROP TRIGGER IF EXISTS events_no_delete;
        CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
            WHEN NOT EXISTS (SELECT 1 FROM prune_permit)
                OR NOT (OLD.kind = 'guard' OR substr(OLD.kind, 1, 9) = 'schedule_')
            BEGIN SELECT RAISE(ABORT, 'events is append-only'); END;
        CREATE TABLE IF NOT EXISTS retention (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            decision_cap INTEGER NOT NULL CHECK (decision_cap >= 1000)
        );
        INSERT OR IGNORE INTO retention (id, decision_cap) VALUES (1, 1000000);
        -- the decision cap, enforced by the database itself: every 100th row drops what is beyond the cap
        -- (a rowid range delete of ~100 rows; the ids only grow)
        CREATE TRIGGER IF NOT EXISTS decisions_cap AFTER INSERT ON decisions
            WHEN NEW.id % 100 = 0
            BEGIN
                DELETE FROM decisions WHERE id <= NEW.id - (SELECT decision_cap FROM retention WHERE id = 1);
            END;
        """,
    ),
)

LATEST_VERSION = MIGRATIONS[-1][0]

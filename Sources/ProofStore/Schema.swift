import ProofCore
import GRDB

/// The evidence schema: every table, index and append-only trigger, as versioned migrations.
///
/// Each migration runs once per store (GRDB records applied migrations in `grdb_migrations`), so opening a
/// store again is a no-op. `docs/evidence-schema.md` documents every table and column; keep both in step.
/// A new column or table is a new migration appended to ``migrator``; a migration already shipped is never
/// edited.
enum Schema {
    /// The schema version written to `meta.schema_version` by the newest migration.
    static let version = 5

    /// Tables whose rows can never be updated or deleted (`runs` has its own, narrower rule).
    static let appendOnlyTables = [
        "meta", "steps", "snapshots", "objects", "snapshot_objects", "snapshot_errors", "loki_samples",
        "watch_events", "findings", "diagnostics", "http_exchanges", "http_stream_events",
    ]

    /// All migrations, oldest first.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: v1)
            for table in appendOnlyTables {
                try db.execute(sql: """
                    CREATE TRIGGER \(table)_append_only_update BEFORE UPDATE ON \(table)
                    BEGIN SELECT RAISE(ABORT, 'evidence is append-only: rows of \(table) cannot be updated'); END;
                    CREATE TRIGGER \(table)_append_only_delete BEFORE DELETE ON \(table)
                    BEGIN SELECT RAISE(ABORT, 'evidence is append-only: rows of \(table) cannot be deleted'); END;
                    """)
            }
            try db.execute(
                sql: "INSERT INTO meta(key, value) VALUES ('schema_version', ?), ('salt', ?), ('store_id', ?), ('created_at', ?)",
                arguments: [
                    "1", Digest.hex(Redaction.generateSalt()), RunID.generate().rawValue, Timestamp.format(.now),
                ])
        }
        migrator.registerMigration("v2-run-closings") { db in
            try db.execute(sql: v2RunClosings)
            // meta is append-only; the schema version is its one row a migration moves on.
            try setVersion(2, db)
        }
        // v3: object bodies of BodyCodec.compressionThreshold bytes or more are stored as zlib BLOBs (TEXT bodies
        // stay readable as they are). Nothing to rewrite; the version tells an older harness, which would read
        // a BLOB as text, to refuse the file.
        migrator.registerMigration("v3-compressed-bodies") { db in
            try setVersion(3, db)
        }
        // v4: membership as content-addressed pages (`membership_pages`, `snapshot_pages`; see MembershipPage).
        // Snapshots written before keep their `snapshot_objects` rows, which every reader still reads.
        migrator.registerMigration("v4-membership-pages") { db in
            try db.execute(sql: v4MembershipPages)
            for table in ["membership_pages", "snapshot_pages"] {
                try db.execute(sql: """
                    CREATE TRIGGER \(table)_append_only_update BEFORE UPDATE ON \(table)
                    BEGIN SELECT RAISE(ABORT, 'evidence is append-only: rows of \(table) cannot be updated'); END;
                    CREATE TRIGGER \(table)_append_only_delete BEFORE DELETE ON \(table)
                    BEGIN SELECT RAISE(ABORT, 'evidence is append-only: rows of \(table) cannot be deleted'); END;
                    """)
            }
            try setVersion(4, db)
        }
        // v5: blobs written from now on are LZ4 frames (BodyCodec); the zlib blobs of schemas 3 and 4 stay as they
        // are and keep reading. Nothing to rewrite; the version tells an older harness, which would take an LZ4
        // frame for a damaged zlib stream, to refuse the file.
        migrator.registerMigration("v5-lz4-bodies") { db in
            try setVersion(5, db)
        }
        return migrator
    }

    /// Moves `meta.schema_version` on (meta is append-only: the migration lifts its update trigger for the one row).
    private static func setVersion(_ version: Int, _ db: Database) throws {
        try db.execute(sql: """
            DROP TRIGGER meta_append_only_update;
            UPDATE meta SET value = '\(version)' WHERE key = 'schema_version';
            CREATE TRIGGER meta_append_only_update BEFORE UPDATE ON meta
            BEGIN SELECT RAISE(ABORT, 'evidence is append-only: rows of meta cannot be updated'); END;
            """)
    }

    /// `run_closings`: one append-only row per closed run, written with `runs.status` in the same transaction,
    /// so a closed run edited back to `running` (or whose closing columns were changed) still shows as closed.
    /// Runs closed before this migration get their row from the `runs` table.
    private static let v2RunClosings = """
        CREATE TABLE run_closings (
          run_id      TEXT PRIMARY KEY NOT NULL REFERENCES runs(id),
          status      TEXT NOT NULL,
          exit_code   INTEGER,
          finished_at TEXT NOT NULL,
          seal_digest TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TRIGGER run_closings_append_only_update BEFORE UPDATE ON run_closings
        BEGIN SELECT RAISE(ABORT, 'evidence is append-only: rows of run_closings cannot be updated'); END;
        CREATE TRIGGER run_closings_append_only_delete BEFORE DELETE ON run_closings
        BEGIN SELECT RAISE(ABORT, 'evidence is append-only: rows of run_closings cannot be deleted'); END;
        INSERT INTO run_closings (run_id, status, exit_code, finished_at, seal_digest)
          SELECT id, status, exit_code, finished_at, seal_digest FROM runs
          WHERE status <> 'running' AND finished_at IS NOT NULL AND seal_digest IS NOT NULL;
        """

    /// `membership_pages`: one page per distinct membership of one kind in one namespace, under the SHA-256 of
    /// its canonical bytes, kept as ``BodyCodec`` keeps bodies; `snapshot_pages`: a snapshot's pages, one row
    /// per page (`part` orders a kind's pages in one namespace), with the page's member count (for summaries
    /// without decoding).
    private static let v4MembershipPages = """
        CREATE TABLE membership_pages (
          digest TEXT PRIMARY KEY NOT NULL,
          body   BLOB NOT NULL,
          size   INTEGER NOT NULL
        );

        CREATE TABLE snapshot_pages (
          snapshot_id  INTEGER NOT NULL REFERENCES snapshots(id),
          api_version  TEXT NOT NULL,
          kind         TEXT NOT NULL,
          namespace    TEXT NOT NULL,
          part         INTEGER NOT NULL,
          page_digest  TEXT NOT NULL REFERENCES membership_pages(digest),
          member_count INTEGER NOT NULL,
          PRIMARY KEY (snapshot_id, api_version, kind, namespace, part)
        ) WITHOUT ROWID;
        """

    private static let v1 = """
        CREATE TABLE meta (
          key   TEXT PRIMARY KEY NOT NULL,
          value TEXT NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE runs (
          id              TEXT PRIMARY KEY NOT NULL,
          scenario        TEXT NOT NULL,
          scenario_digest TEXT,
          environment     TEXT,
          cluster         TEXT,
          command         TEXT,
          harness_version TEXT,
          attributes      TEXT NOT NULL DEFAULT '{}',
          started_at      TEXT NOT NULL,
          host            TEXT NOT NULL,
          pid             INTEGER NOT NULL,
          boot_id         TEXT NOT NULL,
          process_start   INTEGER NOT NULL,
          session         TEXT NOT NULL,
          genesis_digest  TEXT NOT NULL,
          status          TEXT NOT NULL DEFAULT 'running'
                          CHECK (status IN ('running', 'passed', 'failed', 'aborted', 'error')),
          finished_at     TEXT,
          exit_code       INTEGER,
          message         TEXT,
          seal_digest     TEXT
        );
        CREATE INDEX runs_by_scenario ON runs(scenario, id);

        CREATE TRIGGER runs_close_once BEFORE UPDATE ON runs
        WHEN OLD.status <> 'running' OR NEW.status = 'running'
          OR NEW.id IS NOT OLD.id OR NEW.scenario IS NOT OLD.scenario
          OR NEW.scenario_digest IS NOT OLD.scenario_digest OR NEW.environment IS NOT OLD.environment
          OR NEW.cluster IS NOT OLD.cluster OR NEW.command IS NOT OLD.command
          OR NEW.harness_version IS NOT OLD.harness_version OR NEW.attributes IS NOT OLD.attributes
          OR NEW.started_at IS NOT OLD.started_at OR NEW.host IS NOT OLD.host OR NEW.pid IS NOT OLD.pid
          OR NEW.boot_id IS NOT OLD.boot_id OR NEW.process_start IS NOT OLD.process_start
          OR NEW.session IS NOT OLD.session OR NEW.genesis_digest IS NOT OLD.genesis_digest
        BEGIN SELECT RAISE(ABORT, 'evidence is append-only: a run can only be closed, once'); END;
        CREATE TRIGGER runs_append_only_delete BEFORE DELETE ON runs
        BEGIN SELECT RAISE(ABORT, 'evidence is append-only: rows of runs cannot be deleted'); END;

        CREATE TABLE steps (
          run_id      TEXT NOT NULL REFERENCES runs(id),
          seq         INTEGER NOT NULL,
          name        TEXT NOT NULL,
          kind        TEXT NOT NULL,
          phase       TEXT NOT NULL DEFAULT 'main',
          started_at  TEXT NOT NULL,
          finished_at TEXT NOT NULL,
          status      TEXT NOT NULL CHECK (status IN ('passed', 'failed', 'error', 'skipped', 'timeout')),
          message     TEXT,
          detail      TEXT,
          PRIMARY KEY (run_id, seq)
        ) WITHOUT ROWID;

        CREATE TABLE snapshots (
          id              INTEGER PRIMARY KEY,
          run_id          TEXT NOT NULL REFERENCES runs(id),
          seq             INTEGER NOT NULL,
          label           TEXT NOT NULL,
          step_seq        INTEGER,
          taken_at        TEXT NOT NULL,
          object_count    INTEGER NOT NULL,
          error_count     INTEGER NOT NULL,
          loki_count      INTEGER NOT NULL,
          digest          TEXT NOT NULL,
          errors_digest   TEXT NOT NULL,
          loki_digest     TEXT NOT NULL,
          previous_digest TEXT NOT NULL,
          chain_digest    TEXT NOT NULL,
          UNIQUE (run_id, seq)
        );
        CREATE INDEX snapshots_by_label ON snapshots(label, run_id);

        CREATE TABLE objects (
          digest TEXT PRIMARY KEY NOT NULL,
          body   TEXT NOT NULL,
          size   INTEGER NOT NULL
        );

        CREATE TABLE snapshot_objects (
          snapshot_id      INTEGER NOT NULL REFERENCES snapshots(id),
          api_version      TEXT NOT NULL,
          kind             TEXT NOT NULL,
          namespace        TEXT NOT NULL,
          name             TEXT NOT NULL,
          uid              TEXT,
          resource_version TEXT,
          object_digest    TEXT NOT NULL REFERENCES objects(digest),
          PRIMARY KEY (snapshot_id, api_version, kind, namespace, name)
        ) WITHOUT ROWID;
        CREATE INDEX snapshot_objects_by_identity ON snapshot_objects(kind, namespace, name, snapshot_id);

        CREATE TABLE snapshot_errors (
          snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
          seq         INTEGER NOT NULL,
          api_version TEXT NOT NULL,
          kind        TEXT NOT NULL,
          namespace   TEXT NOT NULL,
          message     TEXT NOT NULL,
          PRIMARY KEY (snapshot_id, seq)
        ) WITHOUT ROWID;

        CREATE TABLE loki_samples (
          snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
          seq         INTEGER NOT NULL,
          name        TEXT NOT NULL,
          query       TEXT NOT NULL,
          range_start TEXT,
          range_end   TEXT,
          status      TEXT NOT NULL CHECK (status IN ('ok', 'error')),
          result      TEXT,
          error       TEXT,
          PRIMARY KEY (snapshot_id, seq)
        ) WITHOUT ROWID;

        CREATE TABLE watch_events (
          run_id           TEXT NOT NULL REFERENCES runs(id),
          seq              INTEGER NOT NULL,
          at               TEXT NOT NULL,
          type             TEXT NOT NULL,
          api_version      TEXT,
          kind             TEXT,
          namespace        TEXT,
          name             TEXT,
          uid              TEXT,
          resource_version TEXT,
          object_digest    TEXT REFERENCES objects(digest),
          PRIMARY KEY (run_id, seq)
        ) WITHOUT ROWID;
        CREATE INDEX watch_events_by_identity ON watch_events(kind, namespace, name, run_id);

        CREATE TABLE findings (
          run_id             TEXT NOT NULL REFERENCES runs(id),
          seq                INTEGER NOT NULL,
          snapshot_id        INTEGER REFERENCES snapshots(id),
          step_seq           INTEGER,
          invariant_id       TEXT NOT NULL,
          invariant_kind     TEXT NOT NULL,
          status             TEXT NOT NULL CHECK (status IN ('held', 'failed', 'error')),
          expected           TEXT,
          actual             TEXT,
          object_api_version TEXT,
          object_kind        TEXT,
          object_namespace   TEXT,
          object_name        TEXT,
          message            TEXT NOT NULL,
          PRIMARY KEY (run_id, seq)
        ) WITHOUT ROWID;
        CREATE INDEX findings_by_snapshot ON findings(snapshot_id);

        CREATE TABLE diagnostics (
          run_id   TEXT NOT NULL REFERENCES runs(id),
          seq      INTEGER NOT NULL,
          at       TEXT NOT NULL,
          step_seq INTEGER,
          kind     TEXT NOT NULL,
          subject  TEXT NOT NULL,
          content  TEXT NOT NULL,
          PRIMARY KEY (run_id, seq)
        ) WITHOUT ROWID;

        CREATE TABLE http_exchanges (
          run_id           TEXT NOT NULL REFERENCES runs(id),
          seq              INTEGER NOT NULL,
          started_at       TEXT NOT NULL,
          duration_ms      INTEGER NOT NULL,
          method           TEXT NOT NULL,
          url              TEXT NOT NULL,
          request_headers  TEXT NOT NULL,
          request_body     BLOB,
          request_digest   TEXT,
          status           INTEGER,
          response_headers TEXT NOT NULL,
          response_body    BLOB,
          response_digest  TEXT,
          streamed         INTEGER NOT NULL DEFAULT 0,
          error            TEXT,
          PRIMARY KEY (run_id, seq)
        ) WITHOUT ROWID;

        CREATE TABLE http_stream_events (
          run_id       TEXT NOT NULL,
          exchange_seq INTEGER NOT NULL,
          seq          INTEGER NOT NULL,
          offset_ms    INTEGER NOT NULL,
          body         BLOB NOT NULL,
          PRIMARY KEY (run_id, exchange_seq, seq),
          FOREIGN KEY (run_id, exchange_seq) REFERENCES http_exchanges(run_id, seq)
        ) WITHOUT ROWID;
        """
}

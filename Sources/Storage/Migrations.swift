/// The schema, as an ordered list of migrations. Each runs once, in its own transaction, and is
/// recorded in `schema_migrations`; never edit a migration that has shipped, append a new one.
enum Migrations {
    static let all: [(version: Int, sql: String)] = [
        (1, """
        CREATE TABLE problem_sets (
            hash TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            format TEXT NOT NULL,
            source TEXT NOT NULL,
            n_problems INTEGER NOT NULL,
            loaded_at TEXT NOT NULL
        );
        CREATE TABLE problems (
            set_hash TEXT NOT NULL REFERENCES problem_sets(hash),
            task_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            prompt TEXT NOT NULL,
            canonical_solution TEXT NOT NULL,
            test TEXT NOT NULL,
            entry_point TEXT NOT NULL,
            extras TEXT,
            PRIMARY KEY (set_hash, task_id)
        ) WITHOUT ROWID;
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            created_at TEXT NOT NULL,
            finished_at TEXT,
            status TEXT NOT NULL,
            kind TEXT NOT NULL,
            spec_key TEXT NOT NULL,
            spec TEXT NOT NULL,
            problem_set TEXT NOT NULL,
            samples_source TEXT NOT NULL,
            host TEXT,
            summary TEXT
        );
        CREATE INDEX runs_by_spec ON runs (spec_key, id);
        CREATE TABLE samples (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            task_id TEXT NOT NULL,
            sample_index INTEGER NOT NULL,
            position INTEGER NOT NULL,
            body_kind TEXT NOT NULL,
            code TEXT NOT NULL,
            origin TEXT,
            PRIMARY KEY (run_id, task_id, sample_index)
        ) WITHOUT ROWID;
        CREATE TABLE executions (
            run_id INTEGER NOT NULL,
            task_id TEXT NOT NULL,
            sample_index INTEGER NOT NULL,
            round INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL,
            error_type TEXT,
            detail TEXT NOT NULL,
            cpu_ms REAL NOT NULL,
            wall_ms REAL NOT NULL,
            max_rss_kib INTEGER NOT NULL,
            exit_code INTEGER,
            signal INTEGER,
            syscall TEXT,
            stdout TEXT NOT NULL,
            stderr TEXT NOT NULL,
            record TEXT,
            tamper TEXT,
            executed_at TEXT NOT NULL,
            PRIMARY KEY (run_id, task_id, sample_index, round),
            FOREIGN KEY (run_id, task_id, sample_index) REFERENCES samples(run_id, task_id, sample_index)
        ) WITHOUT ROWID;
        """),
        // 10: the generation ledger (issue 4). One row per model request, written before it is sent
        // and completed after; one row per generated sample (raw answer, extracted code, status).
        (10, """
        CREATE TABLE generation_configs (
            key TEXT PRIMARY KEY,
            config TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE generation_requests (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            generation_key TEXT NOT NULL,
            purpose TEXT NOT NULL,
            task_id TEXT NOT NULL,
            first_sample INTEGER NOT NULL,
            n_samples INTEGER NOT NULL,
            api TEXT NOT NULL,
            url TEXT NOT NULL,
            model TEXT NOT NULL,
            request_body TEXT NOT NULL,
            prompt_hash TEXT NOT NULL,
            seed INTEGER,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            latency_ms REAL,
            tokens_in INTEGER,
            tokens_out INTEGER,
            n_choices INTEGER,
            server_model TEXT,
            fingerprint TEXT,
            error TEXT,
            sent_at TEXT NOT NULL,
            completed_at TEXT
        );
        CREATE INDEX generation_requests_by_key ON generation_requests (generation_key, task_id);
        CREATE TABLE generations (
            generation_key TEXT NOT NULL,
            task_id TEXT NOT NULL,
            sample_index INTEGER NOT NULL,
            request_id INTEGER REFERENCES generation_requests(id),
            choice_index INTEGER NOT NULL,
            raw_output TEXT NOT NULL,
            finish_reason TEXT,
            body_kind TEXT NOT NULL,
            code TEXT NOT NULL,
            extraction_status TEXT NOT NULL,
            extraction_detail TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (generation_key, task_id, sample_index)
        ) WITHOUT ROWID;
        """),
        // 20–29: efficiency runs (ENAMEL eff@k).
        (20, """
        CREATE TABLE generated_tests (
            set_hash TEXT NOT NULL,
            seed INTEGER NOT NULL,
            n_tests TEXT NOT NULL,
            interpreter TEXT NOT NULL,
            task_id TEXT NOT NULL,
            level INTEGER NOT NULL,
            digest TEXT NOT NULL,
            first_run INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (set_hash, seed, n_tests, interpreter, task_id, level)
        ) WITHOUT ROWID;
        """),
        (21, """
        CREATE TABLE efficiency_timings (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            task_id TEXT NOT NULL,
            role TEXT NOT NULL,
            sample_index INTEGER NOT NULL,
            attempt INTEGER NOT NULL,
            pass INTEGER NOT NULL,
            level INTEGER NOT NULL,
            test INTEGER NOT NULL,
            reps_ns TEXT NOT NULL,
            estimate_s REAL NOT NULL,
            PRIMARY KEY (run_id, task_id, role, sample_index, attempt, pass, level, test)
        ) WITHOUT ROWID;
        """),
        (22, """
        CREATE TABLE efficiency_scores (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            task_id TEXT NOT NULL,
            sample_index INTEGER NOT NULL,
            passed INTEGER NOT NULL,
            levels TEXT NOT NULL,
            eff REAL NOT NULL,
            stopped_at INTEGER,
            reason TEXT,
            limit_s REAL NOT NULL,
            references_s TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            PRIMARY KEY (run_id, task_id, sample_index)
        ) WITHOUT ROWID;
        """),
        // 30–39: input/output tasks (HumanEval+).
        (30, """
        CREATE TABLE expected_outputs (
            set_hash TEXT NOT NULL,
            interpreter TEXT NOT NULL,
            task_id TEXT NOT NULL,
            split TEXT NOT NULL,
            n_inputs INTEGER NOT NULL,
            outputs TEXT NOT NULL,
            micros TEXT NOT NULL,
            PRIMARY KEY (set_hash, interpreter, task_id, split)
        ) WITHOUT ROWID;
        CREATE TABLE expected_output_sets (
            set_hash TEXT NOT NULL,
            interpreter TEXT NOT NULL,
            python_version TEXT NOT NULL,
            machine TEXT NOT NULL,
            computed_at TEXT NOT NULL,
            PRIMARY KEY (set_hash, interpreter)
        ) WITHOUT ROWID;
        """),
        // 40–49: bug taxonomy and repair (issue 6).
        (40, """
        CREATE TABLE sample_labels (
            run_id INTEGER NOT NULL,
            task_id TEXT NOT NULL,
            sample_index INTEGER NOT NULL,
            round INTEGER NOT NULL DEFAULT 0,
            category TEXT,
            subcategory TEXT,
            confidence TEXT,
            rule TEXT,
            evidence TEXT,
            alternatives TEXT,
            tags TEXT,
            loc INTEGER,
            cyclomatic REAL,
            calls INTEGER,
            findings TEXT,
            classifier TEXT NOT NULL,
            labelled_at TEXT NOT NULL,
            PRIMARY KEY (run_id, task_id, sample_index, round)
        ) WITHOUT ROWID;
        CREATE INDEX sample_labels_by_leaf ON sample_labels (run_id, round, subcategory);
        """),
        (41, """
        CREATE TABLE repair_attempts (
            run_id INTEGER NOT NULL REFERENCES runs(id),
            task_id TEXT NOT NULL,
            sample_index INTEGER NOT NULL,
            round INTEGER NOT NULL,
            condition TEXT NOT NULL,
            feedback_source TEXT NOT NULL,
            prompt TEXT,
            raw TEXT,
            finish_reason TEXT,
            code TEXT,
            extraction TEXT,
            calls INTEGER NOT NULL DEFAULT 0,
            tokens_in INTEGER NOT NULL DEFAULT 0,
            tokens_out INTEGER NOT NULL DEFAULT 0,
            latency_ms REAL NOT NULL DEFAULT 0,
            scoring_status TEXT,
            visible_status TEXT,
            visible_record TEXT,
            visible_detail TEXT,
            executions INTEGER NOT NULL DEFAULT 0,
            cpu_ms REAL NOT NULL DEFAULT 0,
            wall_ms REAL NOT NULL DEFAULT 0,
            stop_reason TEXT,
            done INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (run_id, task_id, sample_index, round)
        ) WITHOUT ROWID;
        """),
        // 60–69: BigCodeBench (issue 7). One row per test method of a unittest-style execution.
        (60, """
        CREATE TABLE test_results (
            run_id INTEGER NOT NULL,
            task_id TEXT NOT NULL,
            sample_index INTEGER NOT NULL,
            round INTEGER NOT NULL DEFAULT 0,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            status TEXT NOT NULL,
            error_type TEXT,
            message TEXT NOT NULL,
            traceback TEXT,
            wall_ms REAL,
            PRIMARY KEY (run_id, task_id, sample_index, round, position),
            FOREIGN KEY (run_id, task_id, sample_index, round) REFERENCES executions(run_id, task_id, sample_index, round)
        ) WITHOUT ROWID;
        """),
    ]

    static func apply(to connection: SQLiteConnection) throws {
        try connection.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        let applied = Set(try connection.query("SELECT version FROM schema_migrations").compactMap { $0.first?.int })
        if let newest = applied.max(), newest > (all.map(\.version).max() ?? 0) {
            throw SQLiteError(
                code: 0,
                message: "database schema version \(newest) is newer than this assay understands (\(all.map(\.version).max() ?? 0)); use a newer assay or another --db",
                sql: nil)
        }
        for migration in all where !applied.contains(Int64(migration.version)) {
            try connection.transaction {
                // Another process may have applied it since the read above (two commands opening a
                // new database at once): check again under the write lock.
                let done = try connection.query(
                    "SELECT 1 FROM schema_migrations WHERE version = ?", [.int(Int64(migration.version))]).isEmpty == false
                if done { return }
                try connection.execute(migration.sql)
                try connection.run(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    [.int(Int64(migration.version)), .text(Timestamp.now())])
            }
        }
    }
}

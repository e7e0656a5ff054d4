-- Yearly performance evaluation (E1–E5), the zombie-system list (E4) and the go-live / stop dates
-- the declaration bars read (A6). Written only by Db::apply, in the project's own transaction.
CREATE TABLE evaluations (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    unit_id BIGINT NOT NULL,
    year BIGINT NOT NULL,
    system TEXT NOT NULL,
    self_scores TEXT NOT NULL,
    self_total BIGINT NOT NULL,
    evidence TEXT NOT NULL,
    spot TEXT,
    outcome TEXT,
    rectify_by TEXT,
    outcome_reason TEXT NOT NULL DEFAULT '',
    confirmed BIGINT NOT NULL DEFAULT 0,
    confirmed_on TEXT,
    leader TEXT,
    leader_date TEXT,
    published BIGINT NOT NULL DEFAULT 0,
    published_at TEXT,
    rectified_note TEXT,
    rectified_on TEXT,
    created_by BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (project_id, year)
);
CREATE INDEX evaluations_unit ON evaluations (unit_id, confirmed);
CREATE INDEX evaluations_published ON evaluations (published, year);
CREATE TABLE zombie_systems (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    unit_id BIGINT NOT NULL,
    system_name TEXT NOT NULL,
    year BIGINT NOT NULL,
    listed_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (project_id, year)
);
CREATE INDEX zombie_systems_unit ON zombie_systems (unit_id, listed_on);
CREATE TABLE system_lives (
    project_id BIGINT PRIMARY KEY REFERENCES projects(id),
    unit_id BIGINT NOT NULL,
    live_on TEXT NOT NULL,
    stopped_on TEXT
);
CREATE INDEX system_lives_unit ON system_lives (unit_id);
-- Systems already in operation went live when they entered the stage.
INSERT INTO system_lives (project_id, unit_id, live_on)
SELECT id, unit_id, substr(stage_since, 1, 10) FROM projects WHERE stage = 'in_operation';

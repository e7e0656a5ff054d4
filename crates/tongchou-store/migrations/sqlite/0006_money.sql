-- Money during implementation: payment batches and payments (M5), change requests (I6),
-- termination (I7), overrun of the contract period (I8).
-- 变更后有效金额: the approved amount (approved_fen) stays the immutable baseline (M1).
ALTER TABLE projects ADD COLUMN effective_fen BIGINT;
CREATE TABLE payment_batches (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    seq_no BIGINT NOT NULL,
    condition_text TEXT NOT NULL,
    ratio_bp BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (project_id, seq_no)
);
CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    seq_no BIGINT NOT NULL,
    batch_no BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    planned_date TEXT NOT NULL,
    prefiled_by BIGINT NOT NULL,
    prefiled_at TEXT NOT NULL,
    paid_date TEXT,
    paid_fen BIGINT,
    voucher TEXT NOT NULL DEFAULT '',
    paid_by BIGINT,
    paid_at TEXT,
    UNIQUE (project_id, seq_no)
);
CREATE TABLE change_requests (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    seq_no BIGINT NOT NULL,
    content TEXT NOT NULL,
    reason TEXT NOT NULL,
    new_fen BIGINT NOT NULL,
    baseline_fen BIGINT NOT NULL,
    cut_fen BIGINT NOT NULL,
    cut_bp BIGINT NOT NULL,
    route TEXT NOT NULL,
    main_content BIGINT NOT NULL,
    state TEXT NOT NULL,
    experts TEXT NOT NULL DEFAULT '[]',
    review_date TEXT,
    submitted_by BIGINT NOT NULL,
    submitted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (project_id, seq_no)
);
CREATE TABLE terminations (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    reason TEXT NOT NULL,
    progress TEXT NOT NULL,
    money TEXT NOT NULL,
    committee TEXT NOT NULL,
    leader TEXT NOT NULL,
    state TEXT NOT NULL,
    applied_by BIGINT NOT NULL,
    applied_at TEXT NOT NULL,
    decided_by BIGINT,
    decided_at TEXT,
    approved_fen BIGINT,
    effective_fen BIGINT,
    contracted_fen BIGINT,
    paid_fen BIGINT
);
CREATE INDEX terminations_by_project ON terminations (project_id, id);
-- 超期 (I8): counted in the unit's next declaration scores.
CREATE TABLE overruns (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    contract_end TEXT NOT NULL,
    explanation TEXT NOT NULL,
    recorded_by BIGINT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (project_id, contract_end)
);
CREATE INDEX overruns_by_unit ON overruns (unit_id, project_id);

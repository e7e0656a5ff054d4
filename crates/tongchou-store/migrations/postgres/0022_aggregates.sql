-- Issue 6 Speed: exact precomputed aggregates for the statistics (P5), kept in the transaction
-- of every change that affects them (crate::aggregates), rebuilt by `tongchou aggregates rebuild`
ALTER TABLE projects ADD COLUMN major_task TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN gov_function TEXT NOT NULL DEFAULT '';
CREATE TABLE agg_projects (
    jurisdiction_id BIGINT NOT NULL,
    dim TEXT NOT NULL,
    declared BIGINT NOT NULL,
    approved BIGINT NOT NULL,
    value TEXT NOT NULL,
    n BIGINT NOT NULL,
    declared_fen BIGINT NOT NULL,
    approved_fen BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction_id, dim, declared, approved, value)
);
CREATE TABLE agg_stage_days (
    jurisdiction_id BIGINT NOT NULL,
    declared BIGINT NOT NULL,
    stage TEXT NOT NULL,
    days BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction_id, declared, stage, days)
);
CREATE TABLE agg_open_obligations (
    jurisdiction_id BIGINT NOT NULL,
    unit_id BIGINT NOT NULL,
    due TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction_id, unit_id, due)
);
CREATE TABLE agg_open_obligations_month (
    jurisdiction_id BIGINT NOT NULL,
    unit_id BIGINT NOT NULL,
    month TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction_id, unit_id, month)
);
CREATE TABLE agg_project_state (
    project_id BIGINT PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL,
    year BIGINT NOT NULL,
    category TEXT NOT NULL,
    build_kind TEXT NOT NULL,
    major_task TEXT NOT NULL,
    gov_function TEXT NOT NULL,
    stage TEXT NOT NULL,
    declared BIGINT NOT NULL,
    approved BIGINT NOT NULL,
    declared_fen BIGINT NOT NULL,
    approved_fen BIGINT NOT NULL,
    spans TEXT NOT NULL
)

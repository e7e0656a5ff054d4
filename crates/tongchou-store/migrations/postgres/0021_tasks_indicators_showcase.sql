CREATE TABLE project_tasks (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    owner_unit_id BIGINT NOT NULL REFERENCES units(id),
    owner_person TEXT NOT NULL,
    due TEXT NOT NULL,
    indicator TEXT NOT NULL,
    state TEXT NOT NULL,
    evidence_attachment_id BIGINT,
    evidence_filename TEXT,
    evidence_reference TEXT,
    closed_note TEXT,
    closed_on TEXT,
    closed_by TEXT,
    confirmed_on TEXT,
    confirmed_by TEXT,
    reject_reason TEXT,
    rejections BIGINT NOT NULL DEFAULT 0,
    version BIGINT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX project_tasks_by_project ON project_tasks (project_id, due, id);
CREATE INDEX project_tasks_by_due ON project_tasks (state, due);
CREATE INDEX project_tasks_by_owner ON project_tasks (owner_unit_id, state, due);
CREATE TABLE plan_indicators (
    id BIGSERIAL PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    jurisdiction_path TEXT NOT NULL,
    name TEXT NOT NULL,
    target TEXT NOT NULL,
    year BIGINT NOT NULL,
    cite TEXT NOT NULL,
    note TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (jurisdiction_id, name, year, target)
);
CREATE TABLE project_indicators (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    indicator_id BIGINT NOT NULL REFERENCES plan_indicators(id),
    note TEXT NOT NULL,
    linked_by TEXT NOT NULL,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (project_id, indicator_id)
);
CREATE INDEX project_indicators_by_indicator ON project_indicators (indicator_id, project_id);
CREATE TABLE board_snapshots (
    day TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    jurisdiction_path TEXT NOT NULL,
    projects BIGINT NOT NULL,
    by_stage TEXT NOT NULL,
    overdue BIGINT NOT NULL,
    overdue_projects BIGINT NOT NULL,
    slow BIGINT NOT NULL,
    taken_at TEXT NOT NULL,
    PRIMARY KEY (day, unit_id)
);
CREATE INDEX board_snapshots_by_path ON board_snapshots (jurisdiction_path, day);
CREATE TABLE showcase_cases (
    id BIGSERIAL PRIMARY KEY,
    source_kind TEXT NOT NULL,
    source_id BIGINT NOT NULL,
    source_name TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    jurisdiction_path TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    results TEXT NOT NULL,
    published BIGINT NOT NULL DEFAULT 0,
    published_on TEXT,
    version BIGINT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (source_kind, source_id)
);
CREATE INDEX showcase_cases_published ON showcase_cases (published, id);
CREATE TABLE board_history (
    id BIGSERIAL PRIMARY KEY,
    subject TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor_id BIGINT NOT NULL,
    actor_name TEXT NOT NULL,
    actor_unit TEXT NOT NULL,
    action TEXT NOT NULL,
    summary TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX board_history_by_subject ON board_history (subject, subject_id, id)

CREATE TABLE obligations (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    cite TEXT NOT NULL,
    trigger_date TEXT NOT NULL,
    due TEXT NOT NULL,
    owner TEXT NOT NULL,
    warning TEXT,
    state TEXT NOT NULL,
    fulfilled_on TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (project_id, code)
);
CREATE INDEX obligations_open_by_due ON obligations (state, due);

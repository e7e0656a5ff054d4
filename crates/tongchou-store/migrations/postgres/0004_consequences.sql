CREATE TABLE consequences (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    obligation TEXT NOT NULL,
    consequence TEXT NOT NULL,
    state TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by BIGINT,
    reason TEXT,
    UNIQUE (project_id, obligation)
);
CREATE TABLE notifications (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT REFERENCES projects(id),
    role TEXT NOT NULL,
    jurisdiction_path TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX notifications_by_role ON notifications (role, id);
CREATE TABLE notification_reads (
    notification_id BIGINT NOT NULL REFERENCES notifications(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    read_at TEXT NOT NULL,
    PRIMARY KEY (notification_id, user_id)
);

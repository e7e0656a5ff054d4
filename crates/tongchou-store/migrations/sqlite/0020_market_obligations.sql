-- 共享应用的义务 Obligations of a shared-application competition join the obligations table
-- (ZJ-share 三（六）责任制, 三（七）交付验收): a row belongs to a project or to a competition,
-- names its responsible unit and person, and keeps the evidence of fulfilment. SQLite cannot
-- drop a NOT NULL, so the table is rebuilt with the same rows and ids
CREATE TABLE obligations_new (
    id INTEGER PRIMARY KEY,
    project_id BIGINT REFERENCES projects(id),
    competition_id BIGINT REFERENCES competitions(id),
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
    owner_unit_id BIGINT,
    owner_person TEXT,
    evidence TEXT,
    fulfilled_by_name TEXT,
    UNIQUE (project_id, code),
    UNIQUE (competition_id, code),
    CHECK ((project_id IS NULL) <> (competition_id IS NULL))
);
INSERT INTO obligations_new (id, project_id, competition_id, code, title, cite, trigger_date, due, owner, warning, state, fulfilled_on, created_at)
    SELECT id, project_id, NULL, code, title, cite, trigger_date, due, owner, warning, state, fulfilled_on, created_at FROM obligations;
DROP TABLE obligations;
ALTER TABLE obligations_new RENAME TO obligations;
CREATE INDEX obligations_open_by_due ON obligations (state, due);
CREATE INDEX obligations_open_filings ON obligations (state, (substr(code, 1, 5)), due);
-- a responsible unit's open duties (我的待办, 晾晒台)
CREATE INDEX obligations_by_owner_unit ON obligations (owner_unit_id, state, due);
-- 联合体成员 by unit identity (JSON: unit id, name, directory kind) and the 承接主体 declaration of a
-- purchase-of-service bid (ZJ-share 三（三）)
ALTER TABLE bids ADD COLUMN member_refs TEXT;
ALTER TABLE bids ADD COLUMN provider TEXT

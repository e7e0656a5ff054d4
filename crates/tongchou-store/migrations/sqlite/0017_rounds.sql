-- 集中申报期 Declaration rounds (SPEC A1), opened by the competent authority of a jurisdiction:
-- every opening kept with who and when (never rewritten).
CREATE TABLE declaration_rounds (
    id INTEGER PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    plan_year INTEGER NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    note TEXT NOT NULL,
    opened_by BIGINT NOT NULL,
    opened_by_name TEXT NOT NULL,
    opened_at TEXT NOT NULL
);
CREATE INDEX declaration_rounds_jurisdiction ON declaration_rounds (jurisdiction_id, id);
-- 分模块初验 Module-by-module initial acceptance (Quzhou 三(三)5): one row per module accepted.
CREATE TABLE module_acceptances (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    module TEXT NOT NULL,
    accepted_on TEXT NOT NULL,
    panel TEXT NOT NULL,
    last_module INTEGER NOT NULL,
    recorded_by BIGINT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE UNIQUE INDEX module_acceptances_project ON module_acceptances (project_id, module);
-- The provincial shared-application mechanism (ZJ-share) as a stored profile: every version
-- kept (TOML body), the newest in force (none stored: the shipped rules) (version 0).
CREATE TABLE sharing_rules (
    id INTEGER PRIMARY KEY,
    version BIGINT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at TEXT NOT NULL
);

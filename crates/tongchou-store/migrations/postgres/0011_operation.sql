-- Systems in operation (SPEC O1, O3–O6): one row per information system of a project. The
-- columns that lists filter on are kept beside `body`, the whole record as the domain's
-- `operation::System` (cloud resources, security records, vulnerabilities, data catalogue,
-- compliance findings) — written only by `Db::apply`, in the transaction of its history entry.
CREATE TABLE op_systems (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    system_no BIGINT NOT NULL,
    name TEXT NOT NULL,
    state TEXT NOT NULL,
    level BIGINT NOT NULL,
    internet_facing BIGINT NOT NULL,
    important BIGINT NOT NULL,
    operating_body TEXT NOT NULL,
    om_fen BIGINT NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (project_id, system_no)
);
CREATE INDEX op_systems_state ON op_systems (state);

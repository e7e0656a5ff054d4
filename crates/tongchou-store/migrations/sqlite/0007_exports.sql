CREATE TABLE populations (
    year BIGINT NOT NULL,
    county TEXT NOT NULL,
    population BIGINT NOT NULL,
    updated_by BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (year, county)
);
CREATE TABLE population_changes (
    id INTEGER PRIMARY KEY,
    year BIGINT NOT NULL,
    county TEXT NOT NULL,
    old_population BIGINT,
    new_population BIGINT,
    note TEXT NOT NULL,
    changed_by BIGINT NOT NULL,
    changed_by_name TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE TABLE cost_sharing_plans (
    id INTEGER PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    kind TEXT NOT NULL,
    total_fen BIGINT NOT NULL,
    plan TEXT NOT NULL,
    recorded_by BIGINT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX cost_sharing_plans_by_project ON cost_sharing_plans (project_id, id);
CREATE TABLE money_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_by BIGINT NOT NULL,
    updated_by_name TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE cloud_providers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    active BIGINT NOT NULL,
    added_by BIGINT NOT NULL,
    added_at TEXT NOT NULL
);
CREATE TABLE cloud_purchases (
    id INTEGER PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    year BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    provider_id BIGINT NOT NULL REFERENCES cloud_providers(id),
    amount_fen BIGINT NOT NULL,
    cumulative_fen BIGINT NOT NULL,
    threshold_fen BIGINT NOT NULL,
    route TEXT NOT NULL,
    description TEXT NOT NULL,
    recorded_by BIGINT NOT NULL,
    recorded_by_name TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (unit_id, year, seq)
);
CREATE TABLE settings_changes (
    id INTEGER PRIMARY KEY,
    area TEXT NOT NULL,
    summary TEXT NOT NULL,
    changed_by BIGINT NOT NULL,
    changed_by_name TEXT NOT NULL,
    changed_at TEXT NOT NULL
)

CREATE TABLE jurisdictions (
    id BIGSERIAL PRIMARY KEY,
    parent_id BIGINT REFERENCES jurisdictions(id),
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    path TEXT NOT NULL UNIQUE,
    profile_code TEXT NOT NULL
);
CREATE TABLE units (
    id BIGSERIAL PRIMARY KEY,
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    UNIQUE (jurisdiction_id, name)
);
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    roles TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE projects (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions(id),
    jurisdiction_path TEXT NOT NULL,
    -- the jurisdiction at each level of the tree (province → city → district/county), for
    -- index-friendly permission scopes, NULL below the project's own level
    province_id BIGINT,
    city_id BIGINT,
    district_id BIGINT,
    name TEXT NOT NULL,
    year BIGINT NOT NULL,
    build_kind TEXT NOT NULL,
    category TEXT NOT NULL,
    it_fen BIGINT NOT NULL,
    non_it_fen BIGINT NOT NULL,
    security_fen BIGINT NOT NULL,
    funding TEXT NOT NULL,
    summary TEXT NOT NULL,
    participants TEXT NOT NULL,
    responsible_person TEXT NOT NULL,
    stage TEXT NOT NULL,
    version BIGINT NOT NULL,
    rereviews_used BIGINT NOT NULL DEFAULT 0,
    suggested_fen BIGINT,
    final_fen BIGINT,
    approved_fen BIGINT,
    approval_no TEXT UNIQUE,
    approval_seq BIGINT,
    approval_date TEXT,
    budget_fen BIGINT,
    fiscal_year BIGINT,
    initial_acceptance_date TEXT,
    rectify_due TEXT,
    ended_reason TEXT,
    declared_at TEXT,
    declared BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    stage_since TEXT NOT NULL
);
CREATE INDEX projects_by_district ON projects (district_id, declared, stage, year, id);
CREATE INDEX projects_by_city ON projects (city_id, declared, stage, year, id);
CREATE INDEX projects_by_province ON projects (province_id, declared, stage, year, id);
CREATE INDEX projects_by_unit ON projects (unit_id, stage, year, id);
CREATE INDEX projects_by_approval ON projects (jurisdiction_id, approval_seq);
CREATE TABLE history (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor_id BIGINT NOT NULL,
    actor_name TEXT NOT NULL,
    actor_unit TEXT NOT NULL,
    action TEXT NOT NULL,
    from_stage TEXT NOT NULL,
    to_stage TEXT NOT NULL,
    summary TEXT NOT NULL,
    opinion TEXT NOT NULL,
    payload TEXT NOT NULL,
    profile_code TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (project_id, seq)
);
CREATE TABLE attachments (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    doc_date TEXT,
    version BIGINT NOT NULL,
    uploaded_by BIGINT NOT NULL,
    uploaded_at TEXT NOT NULL,
    UNIQUE (project_id, kind, version)
);
CREATE TABLE preliminary_scores (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    department TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    scores TEXT NOT NULL,
    total BIGINT NOT NULL,
    pass BIGINT NOT NULL,
    opinion TEXT NOT NULL,
    at TEXT NOT NULL,
    UNIQUE (project_id, department)
);
CREATE TABLE panels (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    purpose TEXT NOT NULL,
    meeting_date TEXT NOT NULL,
    place TEXT NOT NULL,
    formed_by BIGINT NOT NULL,
    formed_at TEXT NOT NULL,
    concluded BIGINT NOT NULL DEFAULT 0,
    pass BIGINT,
    conclusion TEXT,
    suggested_fen BIGINT,
    concluded_on TEXT
);
CREATE INDEX panels_by_project ON panels (project_id);
CREATE TABLE panel_members (
    panel_id BIGINT NOT NULL REFERENCES panels(id),
    expert_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    unit_id BIGINT NOT NULL,
    score BIGINT,
    pass BIGINT,
    opinion TEXT,
    suggested_fen BIGINT,
    submitted_at TEXT,
    PRIMARY KEY (panel_id, expert_id)
);
CREATE INDEX panel_members_by_expert ON panel_members (expert_id);
CREATE TABLE procurements (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    method TEXT NOT NULL,
    ceiling_fen BIGINT NOT NULL,
    doc_date TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE contracts (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    supplier TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    signed_date TEXT NOT NULL,
    period_months BIGINT NOT NULL,
    maintenance_years BIGINT NOT NULL,
    clauses TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE TABLE progress_reports (
    id BIGSERIAL PRIMARY KEY,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    month TEXT NOT NULL,
    percent BIGINT NOT NULL,
    summary TEXT NOT NULL,
    problems TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    UNIQUE (project_id, month)
);
CREATE INDEX procurements_by_project ON procurements (project_id);
CREATE INDEX contracts_by_project ON contracts (project_id);

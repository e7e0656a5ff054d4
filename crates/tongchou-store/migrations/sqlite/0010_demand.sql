CREATE TABLE needs (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    scenario TEXT NOT NULL,
    aspects TEXT NOT NULL,
    list_code TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES units(id),
    origin_path TEXT NOT NULL,
    at_path TEXT NOT NULL,
    state TEXT NOT NULL,
    merged_into BIGINT REFERENCES needs(id),
    decline_reason TEXT,
    version BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX needs_by_origin ON needs (origin_path, state, id);
CREATE INDEX needs_by_unit ON needs (unit_id, id);
CREATE INDEX needs_by_merged ON needs (merged_into);
CREATE TABLE proposals (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    state TEXT NOT NULL,
    experts TEXT NOT NULL DEFAULT '',
    argued_on TEXT,
    argument_opinion TEXT,
    decision TEXT,
    reference TEXT,
    decided_on TEXT,
    version BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE proposal_needs (
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    need_id BIGINT NOT NULL REFERENCES needs(id),
    PRIMARY KEY (proposal_id, need_id)
);
CREATE INDEX proposal_needs_by_need ON proposal_needs (need_id);
CREATE TABLE library_items (
    id INTEGER PRIMARY KEY,
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    criterion TEXT NOT NULL,
    state TEXT NOT NULL,
    published_on TEXT,
    version BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX library_items_by_proposal ON library_items (proposal_id);
CREATE INDEX library_items_by_state ON library_items (state, id);
CREATE TABLE library_item_projects (
    item_id BIGINT NOT NULL REFERENCES library_items(id),
    project_id BIGINT NOT NULL REFERENCES projects(id),
    linked_by BIGINT NOT NULL,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (item_id, project_id)
);
CREATE INDEX library_item_projects_by_project ON library_item_projects (project_id);
CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    owner_unit_id BIGINT NOT NULL REFERENCES units(id),
    description TEXT NOT NULL,
    library_item_id BIGINT REFERENCES library_items(id),
    source_project_id BIGINT REFERENCES projects(id),
    version BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE application_versions (
    id INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    seq BIGINT NOT NULL,
    label TEXT NOT NULL,
    predecessor_id BIGINT REFERENCES application_versions(id),
    released_on TEXT,
    notes TEXT NOT NULL,
    evaluation TEXT,
    evaluation_passed BIGINT,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    UNIQUE (application_id, seq),
    UNIQUE (application_id, label)
);
CREATE TABLE application_projects (
    project_id BIGINT PRIMARY KEY REFERENCES projects(id),
    application_id BIGINT NOT NULL REFERENCES applications(id),
    linked_by BIGINT NOT NULL,
    linked_at TEXT NOT NULL
);
CREATE INDEX application_projects_by_application ON application_projects (application_id);
CREATE TABLE demand_history (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor_id BIGINT NOT NULL,
    actor_name TEXT NOT NULL,
    actor_unit TEXT NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    summary TEXT NOT NULL,
    opinion TEXT NOT NULL,
    payload TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    UNIQUE (kind, entity_id, seq)
)

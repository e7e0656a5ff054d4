CREATE TABLE competitions (
    id BIGSERIAL PRIMARY KEY,
    item_id BIGINT NOT NULL REFERENCES library_items(id),
    title TEXT NOT NULL,
    scenario TEXT NOT NULL,
    class BIGINT NOT NULL,
    form TEXT NOT NULL,
    state TEXT NOT NULL,
    lead_unit_id BIGINT NOT NULL REFERENCES units(id),
    notice_from TEXT,
    notice_until TEXT,
    announced_on TEXT,
    milestones TEXT NOT NULL DEFAULT '[]',
    delivery_date TEXT,
    version BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX competitions_by_state ON competitions (state, id);
CREATE TABLE bids (
    id BIGSERIAL PRIMARY KEY,
    competition_id BIGINT NOT NULL REFERENCES competitions(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    members TEXT NOT NULL,
    drc_opinion TEXT NOT NULL,
    finance_opinion TEXT NOT NULL,
    materials TEXT NOT NULL,
    shortlisted BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    UNIQUE (competition_id, unit_id)
);
CREATE TABLE bid_scores (
    bid_id BIGINT NOT NULL REFERENCES bids(id),
    expert_id BIGINT NOT NULL REFERENCES users(id),
    scores TEXT NOT NULL,
    total BIGINT NOT NULL,
    opinion TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (bid_id, expert_id)
);
CREATE TABLE objections (
    id BIGSERIAL PRIMARY KEY,
    competition_id BIGINT NOT NULL REFERENCES competitions(id),
    name TEXT NOT NULL,
    contact TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL,
    handled BIGINT NOT NULL DEFAULT 0,
    reply TEXT,
    handled_by BIGINT REFERENCES users(id),
    handled_at TEXT
);
CREATE INDEX objections_by_competition ON objections (competition_id, id);
CREATE TABLE listings (
    id BIGSERIAL PRIMARY KEY,
    competition_id BIGINT REFERENCES competitions(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    owner_unit_id BIGINT NOT NULL REFERENCES units(id),
    class BIGINT NOT NULL,
    version_label TEXT NOT NULL,
    licence TEXT NOT NULL,
    contact TEXT NOT NULL,
    suppliers BIGINT NOT NULL,
    listed_on TEXT NOT NULL,
    best BIGINT NOT NULL DEFAULT 0,
    rank_no BIGINT,
    nomination TEXT,
    version BIGINT NOT NULL
);
CREATE TABLE reuses (
    id BIGSERIAL PRIMARY KEY,
    listing_id BIGINT NOT NULL REFERENCES listings(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    region TEXT NOT NULL,
    purpose TEXT NOT NULL,
    state TEXT NOT NULL,
    at TEXT NOT NULL,
    decided_at TEXT
);
CREATE INDEX reuses_by_listing ON reuses (listing_id, id);
CREATE TABLE ratings (
    listing_id BIGINT NOT NULL REFERENCES listings(id),
    unit_id BIGINT NOT NULL REFERENCES units(id),
    stars BIGINT NOT NULL,
    review TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (listing_id, unit_id)
);

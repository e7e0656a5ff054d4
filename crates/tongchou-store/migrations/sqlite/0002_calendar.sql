CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,
    working BIGINT NOT NULL,
    name TEXT NOT NULL,
    set_by BIGINT NOT NULL,
    set_at TEXT NOT NULL
);
CREATE TABLE calendar_years (
    year BIGINT PRIMARY KEY,
    note TEXT NOT NULL,
    set_by BIGINT NOT NULL,
    set_at TEXT NOT NULL
);
CREATE TABLE calendar_changes (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id BIGINT NOT NULL,
    actor_name TEXT NOT NULL,
    summary TEXT NOT NULL,
    payload TEXT NOT NULL
);

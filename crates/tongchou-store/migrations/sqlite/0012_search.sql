-- 重复建设比对 (S9, A7): an inverted index of project terms with document frequencies,
-- written in the same transaction as the project.
CREATE TABLE search_terms (
    kind TEXT NOT NULL,
    doc_id BIGINT NOT NULL,
    term TEXT NOT NULL,
    tf BIGINT NOT NULL,
    PRIMARY KEY (kind, doc_id, term)
);
CREATE INDEX search_terms_by_term ON search_terms (kind, term, doc_id);
CREATE TABLE search_docs (
    kind TEXT NOT NULL,
    doc_id BIGINT NOT NULL,
    terms BIGINT NOT NULL,
    PRIMARY KEY (kind, doc_id)
);
CREATE TABLE search_df (
    kind TEXT NOT NULL,
    term TEXT NOT NULL,
    df BIGINT NOT NULL,
    PRIMARY KEY (kind, term)
)

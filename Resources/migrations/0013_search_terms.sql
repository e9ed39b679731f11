-- FTS5's own vocabulary of the product search index, one row per word occurrence (term order,
-- documents ascending). The catalog index reads it to answer plain word searches in memory.
-- A view onto productFts: it stores nothing.
CREATE VIRTUAL TABLE productFtsTerms USING fts5vocab(productFts, 'instance');

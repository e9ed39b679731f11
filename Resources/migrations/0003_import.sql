-- Imports and the 1C exchange: what the first schema left out.

-- The stable code of an import issue (`cml.bad_number`, `import.negative_stock`,
-- `xml.doctype_forbidden`): pages show its translation beside the English detail in `message`.
ALTER TABLE importIssue ADD COLUMN code TEXT;

-- type=sale: the orders the last `mode=query` answer carried (a JSON array of ids) and when;
-- `mode=success` marks exactly those as exported, as of that time.
ALTER TABLE exchangeSession ADD COLUMN queriedOrders TEXT CHECK (queriedOrders IS NULL OR json_valid(queriedOrders));
ALTER TABLE exchangeSession ADD COLUMN queriedAt TEXT;

-- The products (ERP ids, without a variant's characteristic) that the catalog imports of one 1C
-- exchange session mentioned. New-style packages (CommerceML 3.1, UT 11 with the exchange module
-- 6) mark every file "changes only" and end a full upload with `mode=deactivate`: the products
-- the session did not mention are then deactivated. A session whose import failed a file
-- concludes nothing from absence (failedImports > 0).
CREATE TABLE exchangeSeen (
    exchangeSessionId INTEGER NOT NULL REFERENCES exchangeSession(id) ON DELETE CASCADE,
    erpId TEXT NOT NULL,
    PRIMARY KEY (exchangeSessionId, erpId)
) STRICT, WITHOUT ROWID;

ALTER TABLE exchangeSession ADD COLUMN failedImports INTEGER NOT NULL DEFAULT 0;

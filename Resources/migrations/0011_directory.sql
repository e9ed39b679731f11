-- The admin's directory (issue 9): branches with the contacts buyers of a region see, and the
-- staff shown as a region's contact to buyers without a personal manager. Regions and
-- warehouses exist since 0001 (warehouses also arrive from the ERP, matched by erpId).

CREATE TABLE branch (
    id INTEGER PRIMARY KEY,
    -- NULL: shown to every buyer (a head office).
    regionId INTEGER REFERENCES region(id) ON DELETE SET NULL,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    address TEXT NOT NULL DEFAULT '' CHECK (length(address) <= 500),
    phone TEXT NOT NULL DEFAULT '' CHECK (length(phone) <= 100),
    email TEXT NOT NULL DEFAULT '' CHECK (length(email) <= 254),
    hours TEXT NOT NULL DEFAULT '' CHECK (length(hours) <= 300),
    sortOrder INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX branch_region ON branch(regionId);

-- Staff shown to the buyers of a region whose company has no personal manager.
CREATE TABLE regionContact (
    regionId INTEGER NOT NULL REFERENCES region(id) ON DELETE CASCADE,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    sortOrder INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (regionId, userId)
) STRICT, WITHOUT ROWID;
CREATE INDEX regionContact_user ON regionContact(userId);

-- Content (issue 9): news for buyers, banners on the catalog's front page, and the versioned
-- personal-data policy whose version a registration records.
CREATE TABLE news (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    -- The safe HTML subset (HTMLSanitizer), sanitized when saved.
    bodyHtml TEXT NOT NULL DEFAULT '' CHECK (length(bodyHtml) <= 200000),
    newsDate TEXT NOT NULL CHECK (newsDate GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    published INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1)),
    createdBy INTEGER REFERENCES user(id) ON DELETE SET NULL,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX news_published ON news(published, newsDate DESC, id DESC);

CREATE TABLE banner (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    fileId INTEGER NOT NULL REFERENCES file(id) ON DELETE RESTRICT,
    -- A path on the portal (/catalog/...) or an http(s) address; NULL: not a link.
    link TEXT CHECK (link IS NULL OR length(link) <= 2000),
    position TEXT NOT NULL DEFAULT 'home_top' CHECK (position IN ('home_top', 'home_bottom')),
    -- Inclusive days; NULL: open-ended.
    startsOn TEXT CHECK (startsOn IS NULL OR startsOn GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    endsOn TEXT CHECK (endsOn IS NULL OR endsOn GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    -- NULL: everyone (visitors too); otherwise only members of the group.
    userGroupId INTEGER REFERENCES userGroup(id) ON DELETE CASCADE,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    sortOrder INTEGER NOT NULL DEFAULT 0,
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX banner_position ON banner(position, active, sortOrder);

-- Each save of the personal-data policy is a new version; the newest is the one in force.
CREATE TABLE policyVersion (
    id INTEGER PRIMARY KEY,
    version TEXT NOT NULL UNIQUE,
    bodyHtml TEXT NOT NULL CHECK (length(bodyHtml) BETWEEN 1 AND 200000),
    createdBy INTEGER REFERENCES user(id) ON DELETE SET NULL,
    createdAt TEXT NOT NULL
) STRICT;

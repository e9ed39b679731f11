-- Wholesail: the initial schema of the whole domain.
--
-- Conventions
--   * Tables are singular camelCase; the order table is `customerOrder` (ORDER is an SQL keyword).
--   * Every table is STRICT and has `id INTEGER PRIMARY KEY`; things the ERP identifies also have
--     `erpId TEXT UNIQUE` (1C's GUIDs, "guid#guid" for characteristics).
--   * Money: INTEGER minor units (kopecks) with a `currency` code beside it.
--   * Quantities: INTEGER thousandths of the unit (`qtyMilli`: 1.5 m = 1500), so fractional units
--     (metres, kilograms) stay exact.
--   * Rates, percentages and factors: TEXT decimals ('3.5', '92.4512'), parsed by ExactDecimal.
--   * Booleans: INTEGER 0/1 with a CHECK. Times: TEXT 'YYYY-MM-DD HH:MM:SS.SSS' in UTC. Dates: 'YYYY-MM-DD'.
--   * Enumerations: TEXT with a CHECK listing the values.

------------------------------------------------------------------------------------------------
-- Settings and files
------------------------------------------------------------------------------------------------

CREATE TABLE setting (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT, WITHOUT ROWID;

-- Content-addressed file bytes: stored once however often uploaded.
CREATE TABLE blob (
    sha256 TEXT PRIMARY KEY NOT NULL CHECK (length(sha256) = 64),
    size INTEGER NOT NULL CHECK (size >= 0),
    contentType TEXT NOT NULL,
    bytes BLOB NOT NULL,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT, WITHOUT ROWID;

-- A named file: what users and the ERP see (a certificate, a photo, an upload), pointing to bytes.
CREATE TABLE file (
    id INTEGER PRIMARY KEY,
    blobSha256 TEXT NOT NULL REFERENCES blob(sha256) ON DELETE RESTRICT,
    fileName TEXT NOT NULL CHECK (length(fileName) BETWEEN 1 AND 255),
    title TEXT,
    kind TEXT NOT NULL DEFAULT 'other'
        CHECK (kind IN ('image', 'certificate', 'instruction', 'manual', 'document', 'upload', 'other')),
    erpId TEXT UNIQUE,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX file_blob ON file(blobSha256);

------------------------------------------------------------------------------------------------
-- Geography and stock locations
------------------------------------------------------------------------------------------------

CREATE TABLE region (
    id INTEGER PRIMARY KEY,
    erpId TEXT UNIQUE,
    name TEXT NOT NULL,
    sortOrder INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE warehouse (
    id INTEGER PRIMARY KEY,
    erpId TEXT UNIQUE,
    regionId INTEGER REFERENCES region(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    address TEXT,
    isPickupPoint INTEGER NOT NULL DEFAULT 1 CHECK (isPickupPoint IN (0, 1)),
    -- Days to bring goods from this warehouse to a region without stock of its own.
    deliveryDays INTEGER NOT NULL DEFAULT 0 CHECK (deliveryDays >= 0),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;
CREATE INDEX warehouse_region ON warehouse(regionId);

------------------------------------------------------------------------------------------------
-- Catalog
------------------------------------------------------------------------------------------------

CREATE TABLE unit (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,            -- OKEI code as 1C sends it ('796' = шт)
    name TEXT NOT NULL,                   -- short name ('шт')
    fullName TEXT NOT NULL
) STRICT;

CREATE TABLE category (
    id INTEGER PRIMARY KEY,
    parentId INTEGER REFERENCES category(id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    slug TEXT,
    -- Materialized path of ids ('/1/7/42/'): descendants are `path LIKE '/1/7/%'`.
    path TEXT NOT NULL DEFAULT '/',
    depth INTEGER NOT NULL DEFAULT 0,
    sortOrder INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    imageFileId INTEGER REFERENCES file(id) ON DELETE SET NULL,
    productCount INTEGER NOT NULL DEFAULT 0   -- active products in the subtree, refreshed after imports
) STRICT;
CREATE INDEX category_parent ON category(parentId, sortOrder);
CREATE INDEX category_path ON category(path);

-- A group of the ERP's classifier, mapped onto any number of portal categories.
CREATE TABLE erpGroup (
    id INTEGER PRIMARY KEY,
    erpId TEXT NOT NULL UNIQUE,
    parentErpId TEXT,
    name TEXT NOT NULL
) STRICT;

CREATE TABLE erpGroupCategory (
    erpGroupId INTEGER NOT NULL REFERENCES erpGroup(id) ON DELETE CASCADE,
    categoryId INTEGER NOT NULL REFERENCES category(id) ON DELETE CASCADE,
    PRIMARY KEY (erpGroupId, categoryId)
) STRICT, WITHOUT ROWID;
CREATE INDEX erpGroupCategory_category ON erpGroupCategory(categoryId);

CREATE TABLE brand (
    id INTEGER PRIMARY KEY,
    erpId TEXT UNIQUE,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    country TEXT
) STRICT;

CREATE TABLE product (
    id INTEGER PRIMARY KEY,
    erpId TEXT UNIQUE,
    sku TEXT NOT NULL UNIQUE COLLATE NOCASE,     -- stock number / code
    article TEXT COLLATE NOCASE,                 -- manufacturer's article
    barcode TEXT,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 1000),
    brandId INTEGER REFERENCES brand(id) ON DELETE SET NULL,
    productLine TEXT,
    description TEXT NOT NULL DEFAULT '',        -- safe HTML subset, sanitized on write
    baseUnitId INTEGER NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
    minQtyMilli INTEGER NOT NULL DEFAULT 1000 CHECK (minQtyMilli > 0),
    stepQtyMilli INTEGER NOT NULL DEFAULT 1000 CHECK (stepQtyMilli > 0),
    weightGrams INTEGER CHECK (weightGrams >= 0),
    volumeMl INTEGER CHECK (volumeMl >= 0),
    vatRate TEXT NOT NULL DEFAULT '20',
    mainImageFileId INTEGER REFERENCES file(id) ON DELETE SET NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    ratingSum INTEGER NOT NULL DEFAULT 0,
    ratingCount INTEGER NOT NULL DEFAULT 0,
    -- Lower-cased, ё→е normalized text that the FTS index reads: name, sku, article, brand,
    -- line and searchable property values.
    searchText TEXT NOT NULL DEFAULT '',
    contentHash TEXT,                             -- of the last imported record: unchanged rows are skipped
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX product_article ON product(article) WHERE article IS NOT NULL;
CREATE INDEX product_brand ON product(brandId);
CREATE INDEX product_baseUnit ON product(baseUnitId);
CREATE INDEX product_active_name ON product(active, deleted, name);

-- Alternative units of a product: a box of 12, a coil of 100 m.
CREATE TABLE productUnit (
    id INTEGER PRIMARY KEY,
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    unitId INTEGER NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
    factor TEXT NOT NULL,                          -- base units in one of this unit ('12', '0.5')
    minQtyMilli INTEGER NOT NULL DEFAULT 1000 CHECK (minQtyMilli > 0),
    stepQtyMilli INTEGER NOT NULL DEFAULT 1000 CHECK (stepQtyMilli > 0),
    UNIQUE (productId, unitId)
) STRICT;
CREATE INDEX productUnit_unit ON productUnit(unitId);

CREATE TABLE productCategory (
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    categoryId INTEGER NOT NULL REFERENCES category(id) ON DELETE CASCADE,
    isPrimary INTEGER NOT NULL DEFAULT 0 CHECK (isPrimary IN (0, 1)),
    PRIMARY KEY (categoryId, productId)
) STRICT, WITHOUT ROWID;
CREATE INDEX productCategory_product ON productCategory(productId);

CREATE TABLE propertyGroup (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    sortOrder INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE property (
    id INTEGER PRIMARY KEY,
    erpId TEXT UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('text', 'number', 'enum', 'bool')),
    unitName TEXT,                                 -- for numbers: 'мм²', 'Вт'
    groupId INTEGER REFERENCES propertyGroup(id) ON DELETE SET NULL,
    filterable INTEGER NOT NULL DEFAULT 0 CHECK (filterable IN (0, 1)),
    searchable INTEGER NOT NULL DEFAULT 0 CHECK (searchable IN (0, 1)),
    showOnCard INTEGER NOT NULL DEFAULT 1 CHECK (showOnCard IN (0, 1)),
    sortOrder INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX property_group ON property(groupId);

CREATE TABLE propertyValue (
    id INTEGER PRIMARY KEY,
    propertyId INTEGER NOT NULL REFERENCES property(id) ON DELETE CASCADE,
    erpId TEXT,
    value TEXT NOT NULL,
    sortOrder INTEGER NOT NULL DEFAULT 0,
    UNIQUE (propertyId, value)
) STRICT;
CREATE UNIQUE INDEX propertyValue_erp ON propertyValue(propertyId, erpId) WHERE erpId IS NOT NULL;

-- One row per product × property. Enum values point at propertyValue (facet counts group by
-- valueId); numbers keep a TEXT decimal and a REAL copy used only for range filters and sorting.
CREATE TABLE productProperty (
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    propertyId INTEGER NOT NULL REFERENCES property(id) ON DELETE CASCADE,
    valueId INTEGER REFERENCES propertyValue(id) ON DELETE CASCADE,
    textValue TEXT,
    numberValue REAL,
    PRIMARY KEY (productId, propertyId)
) STRICT, WITHOUT ROWID;
CREATE INDEX productProperty_value ON productProperty(propertyId, valueId, productId);
CREATE INDEX productProperty_number ON productProperty(propertyId, numberValue) WHERE numberValue IS NOT NULL;

CREATE TABLE tag (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (code IN ('novelty', 'sale', 'special_price', 'best_seller', 'discount')),
    nameEn TEXT NOT NULL,
    nameRu TEXT NOT NULL
) STRICT;

CREATE TABLE productTag (
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    tagId INTEGER NOT NULL REFERENCES tag(id) ON DELETE CASCADE,
    PRIMARY KEY (tagId, productId)
) STRICT, WITHOUT ROWID;
CREATE INDEX productTag_product ON productTag(productId);

CREATE TABLE productImage (
    id INTEGER PRIMARY KEY,
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    fileId INTEGER NOT NULL REFERENCES file(id) ON DELETE CASCADE,
    kind TEXT NOT NULL DEFAULT 'photo' CHECK (kind IN ('photo', 'spin')),   -- spin: ordered 360° frames
    sortOrder INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX productImage_product ON productImage(productId, kind, sortOrder);
CREATE INDEX productImage_file ON productImage(fileId);

-- One document file assigned to any number of products.
CREATE TABLE productDocument (
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    fileId INTEGER NOT NULL REFERENCES file(id) ON DELETE CASCADE,
    sortOrder INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (productId, fileId)
) STRICT, WITHOUT ROWID;
CREATE INDEX productDocument_file ON productDocument(fileId);

CREATE TABLE relatedProduct (
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    relatedId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    sortOrder INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT 'editor' CHECK (source IN ('editor', 'erp')),
    PRIMARY KEY (productId, relatedId),
    CHECK (productId <> relatedId)
) STRICT, WITHOUT ROWID;
CREATE INDEX relatedProduct_related ON relatedProduct(relatedId);

CREATE TABLE stock (
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    warehouseId INTEGER NOT NULL REFERENCES warehouse(id) ON DELETE CASCADE,
    qtyMilli INTEGER NOT NULL DEFAULT 0 CHECK (qtyMilli >= 0),
    reservedMilli INTEGER NOT NULL DEFAULT 0 CHECK (reservedMilli >= 0),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    PRIMARY KEY (productId, warehouseId)
) STRICT, WITHOUT ROWID;
CREATE INDEX stock_warehouse ON stock(warehouseId, productId);

-- Full-text search over product.searchText (external content: the text lives once, in product).
CREATE VIRTUAL TABLE productFts USING fts5(
    searchText,
    content = 'product',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
CREATE TRIGGER product_fts_insert AFTER INSERT ON product BEGIN
    INSERT INTO productFts(rowid, searchText) VALUES (new.id, new.searchText);
END;
CREATE TRIGGER product_fts_delete AFTER DELETE ON product BEGIN
    INSERT INTO productFts(productFts, rowid, searchText) VALUES ('delete', old.id, old.searchText);
END;
CREATE TRIGGER product_fts_update AFTER UPDATE OF searchText ON product BEGIN
    INSERT INTO productFts(productFts, rowid, searchText) VALUES ('delete', old.id, old.searchText);
    INSERT INTO productFts(rowid, searchText) VALUES (new.id, new.searchText);
END;

CREATE TABLE review (
    id INTEGER PRIMARY KEY,
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body TEXT NOT NULL DEFAULT '' CHECK (length(body) <= 5000),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'published', 'rejected')),
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    moderatedBy INTEGER REFERENCES user(id) ON DELETE SET NULL,
    UNIQUE (productId, userId)
) STRICT;
CREATE INDEX review_status ON review(status, createdAt);
CREATE INDEX review_user ON review(userId);
CREATE INDEX review_moderatedBy ON review(moderatedBy);

CREATE TABLE favorite (
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    PRIMARY KEY (userId, productId)
) STRICT, WITHOUT ROWID;
CREATE INDEX favorite_product ON favorite(productId);

------------------------------------------------------------------------------------------------
-- Organizations
------------------------------------------------------------------------------------------------

-- The distributor's own legal entities (a supplier may sell from several).
CREATE TABLE sellerOrganization (
    id INTEGER PRIMARY KEY,
    erpId TEXT UNIQUE,
    name TEXT NOT NULL,
    inn TEXT NOT NULL,
    kpp TEXT,
    ogrn TEXT,
    address TEXT,
    bankName TEXT,
    bik TEXT,
    account TEXT,
    correspondentAccount TEXT,
    director TEXT,
    accountant TEXT,
    orderPrefix TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

CREATE TABLE holding (
    id INTEGER PRIMARY KEY,
    erpId TEXT UNIQUE,
    name TEXT NOT NULL
) STRICT;

-- A legal entity buying from the distributor (1C's Контрагент). Without a holding it stands alone.
CREATE TABLE counterparty (
    id INTEGER PRIMARY KEY,
    erpId TEXT UNIQUE,
    holdingId INTEGER REFERENCES holding(id) ON DELETE SET NULL,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 500),
    fullName TEXT,
    inn TEXT,
    kpp TEXT,
    ogrn TEXT,
    legalAddress TEXT,
    regionId INTEGER REFERENCES region(id) ON DELETE SET NULL,
    creditLimitMinor INTEGER NOT NULL DEFAULT 0 CHECK (creditLimitMinor >= 0),
    currency TEXT NOT NULL DEFAULT 'RUB',
    paymentTermDays INTEGER NOT NULL DEFAULT 0 CHECK (paymentTermDays >= 0),
    blocked INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
    priceTypeId INTEGER REFERENCES priceType(id) ON DELETE SET NULL,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX counterparty_holding ON counterparty(holdingId);
CREATE INDEX counterparty_region ON counterparty(regionId);
CREATE INDEX counterparty_inn ON counterparty(inn);
CREATE INDEX counterparty_priceType ON counterparty(priceTypeId);

CREATE TABLE agreement (
    id INTEGER PRIMARY KEY,
    erpId TEXT UNIQUE,
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    sellerOrganizationId INTEGER NOT NULL REFERENCES sellerOrganization(id) ON DELETE RESTRICT,
    number TEXT NOT NULL,
    date TEXT NOT NULL,
    currency TEXT NOT NULL DEFAULT 'RUB',
    priceTypeId INTEGER REFERENCES priceType(id) ON DELETE SET NULL,
    creditLimitMinor INTEGER CHECK (creditLimitMinor >= 0),
    paymentTermDays INTEGER CHECK (paymentTermDays >= 0),
    isDefault INTEGER NOT NULL DEFAULT 0 CHECK (isDefault IN (0, 1)),
    fileId INTEGER REFERENCES file(id) ON DELETE SET NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;
CREATE INDEX agreement_counterparty ON agreement(counterpartyId);
CREATE INDEX agreement_seller ON agreement(sellerOrganizationId);
CREATE INDEX agreement_priceType ON agreement(priceTypeId);
CREATE INDEX agreement_file ON agreement(fileId);

CREATE TABLE deliveryAddress (
    id INTEGER PRIMARY KEY,
    erpId TEXT UNIQUE,
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    address TEXT NOT NULL CHECK (length(address) BETWEEN 1 AND 1000),
    consignee TEXT,
    contactName TEXT,
    contactPhone TEXT,
    comment TEXT,
    isDefault INTEGER NOT NULL DEFAULT 0 CHECK (isDefault IN (0, 1))
) STRICT;
CREATE INDEX deliveryAddress_counterparty ON deliveryAddress(counterpartyId);

------------------------------------------------------------------------------------------------
-- Users, roles, rights
------------------------------------------------------------------------------------------------

CREATE TABLE user (
    id INTEGER PRIMARY KEY,
    erpId TEXT UNIQUE,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(email) BETWEEN 3 AND 254),
    fullName TEXT NOT NULL DEFAULT '',
    phone TEXT,
    passwordHash TEXT,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('pending', 'active', 'disabled')),
    locale TEXT NOT NULL DEFAULT 'ru' CHECK (locale IN ('ru', 'en')),
    defaultCounterpartyId INTEGER REFERENCES counterparty(id) ON DELETE SET NULL,
    smsOptIn INTEGER NOT NULL DEFAULT 0 CHECK (smsOptIn IN (0, 1)),
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    lastLoginAt TEXT
) STRICT;
CREATE INDEX user_defaultCounterparty ON user(defaultCounterpartyId);

CREATE TABLE role (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
    nameEn TEXT NOT NULL,
    nameRu TEXT NOT NULL,
    isBuiltIn INTEGER NOT NULL DEFAULT 0 CHECK (isBuiltIn IN (0, 1)),
    isStaff INTEGER NOT NULL DEFAULT 0 CHECK (isStaff IN (0, 1))
) STRICT;

CREATE TABLE permission (
    code TEXT PRIMARY KEY NOT NULL,          -- 'section.action': 'orders.place', 'admin.settings'
    section TEXT NOT NULL,
    nameEn TEXT NOT NULL,
    nameRu TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE rolePermission (
    roleId INTEGER NOT NULL REFERENCES role(id) ON DELETE CASCADE,
    permissionCode TEXT NOT NULL REFERENCES permission(code) ON DELETE CASCADE,
    PRIMARY KEY (roleId, permissionCode)
) STRICT, WITHOUT ROWID;
CREATE INDEX rolePermission_permission ON rolePermission(permissionCode);

CREATE TABLE userRole (
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    roleId INTEGER NOT NULL REFERENCES role(id) ON DELETE RESTRICT,
    PRIMARY KEY (userId, roleId)
) STRICT, WITHOUT ROWID;
CREATE INDEX userRole_role ON userRole(roleId);

-- Which counterparties a buyer works for; rights a buyer admin narrowed for this membership.
CREATE TABLE userCounterparty (
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    deniedPermissions TEXT NOT NULL DEFAULT '',   -- comma-separated permission codes
    PRIMARY KEY (userId, counterpartyId)
) STRICT, WITHOUT ROWID;
CREATE INDEX userCounterparty_counterparty ON userCounterparty(counterpartyId);

CREATE TABLE userGroup (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
) STRICT;

CREATE TABLE userGroupMember (
    userGroupId INTEGER NOT NULL REFERENCES userGroup(id) ON DELETE CASCADE,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    PRIMARY KEY (userGroupId, userId)
) STRICT, WITHOUT ROWID;
CREATE INDEX userGroupMember_user ON userGroupMember(userId);

-- A manager or assistant serving a counterparty or a whole holding.
CREATE TABLE managerAssignment (
    id INTEGER PRIMARY KEY,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    counterpartyId INTEGER REFERENCES counterparty(id) ON DELETE CASCADE,
    holdingId INTEGER REFERENCES holding(id) ON DELETE CASCADE,
    role TEXT NOT NULL DEFAULT 'manager' CHECK (role IN ('manager', 'assistant')),
    CHECK ((counterpartyId IS NULL) <> (holdingId IS NULL))
) STRICT;
CREATE UNIQUE INDEX managerAssignment_unique ON managerAssignment(userId, ifnull(counterpartyId, 0), ifnull(holdingId, 0));
CREATE INDEX managerAssignment_counterparty ON managerAssignment(counterpartyId);
CREATE INDEX managerAssignment_holding ON managerAssignment(holdingId);

CREATE TABLE registrationRequest (
    id INTEGER PRIMARY KEY,
    companyName TEXT NOT NULL,
    inn TEXT NOT NULL,
    kpp TEXT,
    contactName TEXT NOT NULL,
    email TEXT NOT NULL COLLATE NOCASE,
    phone TEXT NOT NULL,
    comment TEXT,
    consentAt TEXT NOT NULL,                       -- 152-FZ consent: when, and which text version
    consentVersion TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined')),
    counterpartyId INTEGER REFERENCES counterparty(id) ON DELETE SET NULL,
    userId INTEGER REFERENCES user(id) ON DELETE SET NULL,
    decidedBy INTEGER REFERENCES user(id) ON DELETE SET NULL,
    decidedAt TEXT,
    declineReason TEXT,
    ip TEXT,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX registrationRequest_status ON registrationRequest(status, createdAt);
CREATE INDEX registrationRequest_counterparty ON registrationRequest(counterpartyId);
CREATE INDEX registrationRequest_user ON registrationRequest(userId);
CREATE INDEX registrationRequest_decidedBy ON registrationRequest(decidedBy);

-- A change of a legal entity's data, requested with an official document, approved by a manager.
CREATE TABLE counterpartyChangeRequest (
    id INTEGER PRIMARY KEY,
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    requestedBy INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    changes TEXT NOT NULL CHECK (json_valid(changes)),
    fileId INTEGER NOT NULL REFERENCES file(id) ON DELETE RESTRICT,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'declined')),
    decidedBy INTEGER REFERENCES user(id) ON DELETE SET NULL,
    decidedAt TEXT,
    comment TEXT,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX counterpartyChangeRequest_counterparty ON counterpartyChangeRequest(counterpartyId, status);
CREATE INDEX counterpartyChangeRequest_requestedBy ON counterpartyChangeRequest(requestedBy);
CREATE INDEX counterpartyChangeRequest_file ON counterpartyChangeRequest(fileId);
CREATE INDEX counterpartyChangeRequest_decidedBy ON counterpartyChangeRequest(decidedBy);

------------------------------------------------------------------------------------------------
-- Sessions, tokens, throttling, audit
------------------------------------------------------------------------------------------------

CREATE TABLE session (
    id INTEGER PRIMARY KEY,
    tokenHash TEXT NOT NULL UNIQUE,               -- SHA-256 of the cookie value; the value is never stored
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    actingAsUserId INTEGER REFERENCES user(id) ON DELETE CASCADE,   -- "log in as": the impersonated user
    currentCounterpartyId INTEGER REFERENCES counterparty(id) ON DELETE SET NULL,
    csrfToken TEXT NOT NULL,
    createdAt TEXT NOT NULL,
    lastSeenAt TEXT NOT NULL,
    expiresAt TEXT NOT NULL,
    ip TEXT,
    userAgent TEXT
) STRICT;
CREATE INDEX session_user ON session(userId);
CREATE INDEX session_actingAs ON session(actingAsUserId);
CREATE INDEX session_counterparty ON session(currentCounterpartyId);
CREATE INDEX session_expires ON session(expiresAt);

CREATE TABLE apiToken (
    id INTEGER PRIMARY KEY,
    tokenHash TEXT NOT NULL UNIQUE,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    scope TEXT NOT NULL DEFAULT 'api' CHECK (scope IN ('api', 'exchange')),
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    expiresAt TEXT,
    lastUsedAt TEXT,
    revokedAt TEXT
) STRICT;
CREATE INDEX apiToken_user ON apiToken(userId);

CREATE TABLE passwordReset (
    id INTEGER PRIMARY KEY,
    tokenHash TEXT NOT NULL UNIQUE,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    createdAt TEXT NOT NULL,
    expiresAt TEXT NOT NULL,
    usedAt TEXT
) STRICT;
CREATE INDEX passwordReset_user ON passwordReset(userId);

-- Failed logins by account and by address, for throttling.
CREATE TABLE loginAttempt (
    id INTEGER PRIMARY KEY,
    email TEXT COLLATE NOCASE,
    ip TEXT,
    succeeded INTEGER NOT NULL CHECK (succeeded IN (0, 1)),
    at TEXT NOT NULL
) STRICT;
CREATE INDEX loginAttempt_email ON loginAttempt(email, at);
CREATE INDEX loginAttempt_ip ON loginAttempt(ip, at);

CREATE TABLE auditLog (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    actorUserId INTEGER REFERENCES user(id) ON DELETE SET NULL,
    actingAsUserId INTEGER REFERENCES user(id) ON DELETE SET NULL,
    action TEXT NOT NULL,                           -- 'auth.login', 'user.disable', 'order.credit_override'
    objectType TEXT,
    objectId TEXT,
    details TEXT CHECK (details IS NULL OR json_valid(details)),
    ip TEXT
) STRICT;
CREATE INDEX auditLog_at ON auditLog(at);
CREATE INDEX auditLog_actor ON auditLog(actorUserId, at);
CREATE INDEX auditLog_actingAs ON auditLog(actingAsUserId);
CREATE INDEX auditLog_object ON auditLog(objectType, objectId);

------------------------------------------------------------------------------------------------
-- Pricing
------------------------------------------------------------------------------------------------

CREATE TABLE currency (
    code TEXT PRIMARY KEY NOT NULL CHECK (length(code) = 3),
    name TEXT NOT NULL,
    symbol TEXT NOT NULL,
    minorDigits INTEGER NOT NULL DEFAULT 2 CHECK (minorDigits BETWEEN 0 AND 4)
) STRICT, WITHOUT ROWID;

-- Roubles for one unit of `currency` on a banking day.
CREATE TABLE exchangeRate (
    currency TEXT NOT NULL REFERENCES currency(code) ON DELETE CASCADE,
    day TEXT NOT NULL,
    rate TEXT NOT NULL,
    PRIMARY KEY (currency, day)
) STRICT, WITHOUT ROWID;

CREATE TABLE priceType (
    id INTEGER PRIMARY KEY,
    erpId TEXT UNIQUE,
    name TEXT NOT NULL,
    currency TEXT NOT NULL REFERENCES currency(code) ON DELETE RESTRICT,
    -- Rounding of computed prices: to the minor unit, or to whole major units.
    rounding TEXT NOT NULL DEFAULT 'minor' CHECK (rounding IN ('minor', 'whole')),
    includesVat INTEGER NOT NULL DEFAULT 1 CHECK (includesVat IN (0, 1)),
    isDefault INTEGER NOT NULL DEFAULT 0 CHECK (isDefault IN (0, 1)),
    sortOrder INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX priceType_currency ON priceType(currency);

-- Base prices from the ERP (offers): price type × product × unit. Never rewritten by rules.
CREATE TABLE price (
    priceTypeId INTEGER NOT NULL REFERENCES priceType(id) ON DELETE CASCADE,
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    unitId INTEGER NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
    amountMinor INTEGER NOT NULL CHECK (amountMinor >= 0),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    PRIMARY KEY (priceTypeId, productId, unitId)
) STRICT, WITHOUT ROWID;
CREATE INDEX price_product ON price(productId);
CREATE INDEX price_unit ON price(unitId);

-- Which price type applies in a context; the most specific context wins (agreement, counterparty,
-- holding, user group, region), then priority.
CREATE TABLE priceTypeAssignment (
    id INTEGER PRIMARY KEY,
    priceTypeId INTEGER NOT NULL REFERENCES priceType(id) ON DELETE CASCADE,
    counterpartyId INTEGER REFERENCES counterparty(id) ON DELETE CASCADE,
    agreementId INTEGER REFERENCES agreement(id) ON DELETE CASCADE,
    holdingId INTEGER REFERENCES holding(id) ON DELETE CASCADE,
    sellerOrganizationId INTEGER REFERENCES sellerOrganization(id) ON DELETE CASCADE,
    regionId INTEGER REFERENCES region(id) ON DELETE CASCADE,
    userGroupId INTEGER REFERENCES userGroup(id) ON DELETE CASCADE,
    priority INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX priceTypeAssignment_priceType ON priceTypeAssignment(priceTypeId);
CREATE INDEX priceTypeAssignment_counterparty ON priceTypeAssignment(counterpartyId);
CREATE INDEX priceTypeAssignment_agreement ON priceTypeAssignment(agreementId);
CREATE INDEX priceTypeAssignment_holding ON priceTypeAssignment(holdingId);
CREATE INDEX priceTypeAssignment_seller ON priceTypeAssignment(sellerOrganizationId);
CREATE INDEX priceTypeAssignment_region ON priceTypeAssignment(regionId);
CREATE INDEX priceTypeAssignment_group ON priceTypeAssignment(userGroupId);

-- Individual prices of an agreement for a set of products.
CREATE TABLE agreementPrice (
    agreementId INTEGER NOT NULL REFERENCES agreement(id) ON DELETE CASCADE,
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    unitId INTEGER NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
    amountMinor INTEGER NOT NULL CHECK (amountMinor >= 0),
    PRIMARY KEY (agreementId, productId, unitId)
) STRICT, WITHOUT ROWID;
CREATE INDEX agreementPrice_product ON agreementPrice(productId);
CREATE INDEX agreementPrice_unit ON agreementPrice(unitId);

-- Mass rules: a product side and a context side select; the action changes the price.
CREATE TABLE priceRule (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    validFrom TEXT,
    validTo TEXT,
    -- product side (all set conditions must hold; none set = every product)
    categoryId INTEGER REFERENCES category(id) ON DELETE CASCADE,     -- including descendants
    brandId INTEGER REFERENCES brand(id) ON DELETE CASCADE,
    productLine TEXT,
    propertyValueId INTEGER REFERENCES propertyValue(id) ON DELETE CASCADE,
    -- context side (all set conditions must hold; none set = every buyer)
    regionId INTEGER REFERENCES region(id) ON DELETE CASCADE,
    counterpartyId INTEGER REFERENCES counterparty(id) ON DELETE CASCADE,
    holdingId INTEGER REFERENCES holding(id) ON DELETE CASCADE,
    agreementId INTEGER REFERENCES agreement(id) ON DELETE CASCADE,
    userGroupId INTEGER REFERENCES userGroup(id) ON DELETE CASCADE,
    action TEXT NOT NULL CHECK (action IN ('markup', 'discount', 'fixed', 'price_type', 'hide', 'availability')),
    percent TEXT,                                                      -- markup / discount
    amountMinor INTEGER CHECK (amountMinor >= 0),                      -- fixed
    targetPriceTypeId INTEGER REFERENCES priceType(id) ON DELETE CASCADE,   -- price_type
    availability TEXT CHECK (availability IN ('in_stock', 'on_order', 'unavailable')),
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    CHECK (action <> 'fixed' OR amountMinor IS NOT NULL),
    CHECK (action NOT IN ('markup', 'discount') OR percent IS NOT NULL),
    CHECK (action <> 'price_type' OR targetPriceTypeId IS NOT NULL)
) STRICT;
CREATE INDEX priceRule_category ON priceRule(categoryId);
CREATE INDEX priceRule_brand ON priceRule(brandId);
CREATE INDEX priceRule_propertyValue ON priceRule(propertyValueId);
CREATE INDEX priceRule_region ON priceRule(regionId);
CREATE INDEX priceRule_counterparty ON priceRule(counterpartyId);
CREATE INDEX priceRule_holding ON priceRule(holdingId);
CREATE INDEX priceRule_agreement ON priceRule(agreementId);
CREATE INDEX priceRule_group ON priceRule(userGroupId);
CREATE INDEX priceRule_target ON priceRule(targetPriceTypeId);

-- The explicit product list of a rule.
CREATE TABLE priceRuleProduct (
    priceRuleId INTEGER NOT NULL REFERENCES priceRule(id) ON DELETE CASCADE,
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    PRIMARY KEY (priceRuleId, productId)
) STRICT, WITHOUT ROWID;
CREATE INDEX priceRuleProduct_product ON priceRuleProduct(productId);

-- Above a cart total, another price type applies.
CREATE TABLE cartThreshold (
    id INTEGER PRIMARY KEY,
    fromPriceTypeId INTEGER REFERENCES priceType(id) ON DELETE CASCADE,
    minTotalMinor INTEGER NOT NULL CHECK (minTotalMinor > 0),
    priceTypeId INTEGER NOT NULL REFERENCES priceType(id) ON DELETE CASCADE,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;
CREATE INDEX cartThreshold_from ON cartThreshold(fromPriceTypeId);
CREATE INDEX cartThreshold_priceType ON cartThreshold(priceTypeId);

CREATE TABLE promocode (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE COLLATE NOCASE,
    batch TEXT,
    kind TEXT NOT NULL CHECK (kind IN ('percent', 'fixed')),
    percent TEXT,
    amountMinor INTEGER CHECK (amountMinor >= 0),
    currency TEXT NOT NULL DEFAULT 'RUB',
    categoryId INTEGER REFERENCES category(id) ON DELETE CASCADE,
    productId INTEGER REFERENCES product(id) ON DELETE CASCADE,
    minTotalMinor INTEGER NOT NULL DEFAULT 0 CHECK (minTotalMinor >= 0),
    validFrom TEXT,
    validTo TEXT,
    maxUses INTEGER CHECK (maxUses > 0),
    maxUsesPerCounterparty INTEGER CHECK (maxUsesPerCounterparty > 0),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    CHECK (kind <> 'percent' OR percent IS NOT NULL),
    CHECK (kind <> 'fixed' OR amountMinor IS NOT NULL)
) STRICT;
CREATE INDEX promocode_batch ON promocode(batch);
CREATE INDEX promocode_category ON promocode(categoryId);
CREATE INDEX promocode_product ON promocode(productId);

------------------------------------------------------------------------------------------------
-- Carts and orders
------------------------------------------------------------------------------------------------

-- The working cart of a user for a counterparty, and named saved carts (name set).
CREATE TABLE cart (
    id INTEGER PRIMARY KEY,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    counterpartyId INTEGER REFERENCES counterparty(id) ON DELETE CASCADE,
    name TEXT,                                         -- NULL: the working cart; else a saved cart
    promocodeId INTEGER REFERENCES promocode(id) ON DELETE SET NULL,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE UNIQUE INDEX cart_working ON cart(userId, ifnull(counterpartyId, 0)) WHERE name IS NULL;
CREATE INDEX cart_counterparty ON cart(counterpartyId);
CREATE INDEX cart_promocode ON cart(promocodeId);

CREATE TABLE cartLine (
    id INTEGER PRIMARY KEY,
    cartId INTEGER NOT NULL REFERENCES cart(id) ON DELETE CASCADE,
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    unitId INTEGER NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
    qtyMilli INTEGER NOT NULL CHECK (qtyMilli > 0),
    comment TEXT,
    addedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    UNIQUE (cartId, productId, unitId)
) STRICT;
CREATE INDEX cartLine_product ON cartLine(productId);
CREATE INDEX cartLine_unit ON cartLine(unitId);

CREATE TABLE orderStatus (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    nameEn TEXT NOT NULL,
    nameRu TEXT NOT NULL,
    color TEXT NOT NULL DEFAULT '#5b6675' CHECK (color GLOB '#[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]'),
    erpCode TEXT,
    isActive INTEGER NOT NULL DEFAULT 1 CHECK (isActive IN (0, 1)),
    allowsCancel INTEGER NOT NULL DEFAULT 0 CHECK (allowsCancel IN (0, 1)),
    allowsEdit INTEGER NOT NULL DEFAULT 0 CHECK (allowsEdit IN (0, 1)),
    isFinal INTEGER NOT NULL DEFAULT 0 CHECK (isFinal IN (0, 1)),
    sortOrder INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Gapless order numbers per seller organization and year.
CREATE TABLE orderCounter (
    sellerOrganizationId INTEGER NOT NULL REFERENCES sellerOrganization(id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    lastNumber INTEGER NOT NULL DEFAULT 0 CHECK (lastNumber >= 0),
    PRIMARY KEY (sellerOrganizationId, year)
) STRICT, WITHOUT ROWID;

CREATE TABLE customerOrder (
    id INTEGER PRIMARY KEY,
    erpId TEXT UNIQUE,
    number TEXT NOT NULL,
    sellerOrganizationId INTEGER NOT NULL REFERENCES sellerOrganization(id) ON DELETE RESTRICT,
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE RESTRICT,
    agreementId INTEGER REFERENCES agreement(id) ON DELETE SET NULL,
    userId INTEGER REFERENCES user(id) ON DELETE SET NULL,          -- who placed it (NULL: offline)
    placedByUserId INTEGER REFERENCES user(id) ON DELETE SET NULL,  -- a manager acting as the user
    statusId INTEGER NOT NULL REFERENCES orderStatus(id) ON DELETE RESTRICT,
    source TEXT NOT NULL DEFAULT 'online' CHECK (source IN ('online', 'offline', 'quick', 'manager')),
    parentOrderId INTEGER REFERENCES customerOrder(id) ON DELETE SET NULL,   -- a part of a split order
    currency TEXT NOT NULL DEFAULT 'RUB',
    subtotalMinor INTEGER NOT NULL CHECK (subtotalMinor >= 0),
    discountMinor INTEGER NOT NULL DEFAULT 0 CHECK (discountMinor >= 0),
    deliveryMinor INTEGER NOT NULL DEFAULT 0 CHECK (deliveryMinor >= 0),
    vatMinor INTEGER NOT NULL DEFAULT 0 CHECK (vatMinor >= 0),
    totalMinor INTEGER NOT NULL CHECK (totalMinor >= 0),
    priceTypeId INTEGER REFERENCES priceType(id) ON DELETE SET NULL,
    promocodeId INTEGER REFERENCES promocode(id) ON DELETE SET NULL,
    deliveryMethod TEXT NOT NULL DEFAULT 'pickup' CHECK (deliveryMethod IN ('pickup', 'delivery', 'carrier')),
    warehouseId INTEGER REFERENCES warehouse(id) ON DELETE SET NULL,
    deliveryAddressId INTEGER REFERENCES deliveryAddress(id) ON DELETE SET NULL,
    deliveryAddressText TEXT,
    consignee TEXT,
    contactName TEXT,
    contactPhone TEXT,
    deliveryDate TEXT,
    deliveryWindow TEXT,
    comment TEXT CHECK (length(comment) <= 5000),
    idempotencyKey TEXT UNIQUE,
    creditOverrideBy INTEGER REFERENCES user(id) ON DELETE SET NULL,
    reservedUntil TEXT,
    placedAt TEXT NOT NULL,
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    exportedAt TEXT,                                   -- last handed to the ERP
    UNIQUE (sellerOrganizationId, number)
) STRICT;
CREATE INDEX customerOrder_counterparty ON customerOrder(counterpartyId, placedAt);
CREATE INDEX customerOrder_user ON customerOrder(userId, placedAt);
CREATE INDEX customerOrder_placedBy ON customerOrder(placedByUserId);
CREATE INDEX customerOrder_status ON customerOrder(statusId, placedAt);
CREATE INDEX customerOrder_agreement ON customerOrder(agreementId);
CREATE INDEX customerOrder_parent ON customerOrder(parentOrderId);
CREATE INDEX customerOrder_priceType ON customerOrder(priceTypeId);
CREATE INDEX customerOrder_promocode ON customerOrder(promocodeId);
CREATE INDEX customerOrder_warehouse ON customerOrder(warehouseId);
CREATE INDEX customerOrder_address ON customerOrder(deliveryAddressId);
CREATE INDEX customerOrder_creditOverride ON customerOrder(creditOverrideBy);
CREATE INDEX customerOrder_updated ON customerOrder(updatedAt);

-- Lines keep the prices the order was placed at.
CREATE TABLE orderLine (
    id INTEGER PRIMARY KEY,
    orderId INTEGER NOT NULL REFERENCES customerOrder(id) ON DELETE CASCADE,
    lineNo INTEGER NOT NULL CHECK (lineNo > 0),
    productId INTEGER REFERENCES product(id) ON DELETE SET NULL,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    unitId INTEGER NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
    unitFactor TEXT NOT NULL DEFAULT '1',
    qtyMilli INTEGER NOT NULL CHECK (qtyMilli > 0),
    priceMinor INTEGER NOT NULL CHECK (priceMinor >= 0),
    discountMinor INTEGER NOT NULL DEFAULT 0 CHECK (discountMinor >= 0),
    amountMinor INTEGER NOT NULL CHECK (amountMinor >= 0),
    vatRate TEXT NOT NULL DEFAULT '20',
    vatMinor INTEGER NOT NULL DEFAULT 0 CHECK (vatMinor >= 0),
    warehouseId INTEGER REFERENCES warehouse(id) ON DELETE SET NULL,
    shippedMilli INTEGER NOT NULL DEFAULT 0 CHECK (shippedMilli >= 0),
    priceRuleId INTEGER REFERENCES priceRule(id) ON DELETE SET NULL,
    UNIQUE (orderId, lineNo)
) STRICT;
CREATE INDEX orderLine_product ON orderLine(productId);
CREATE INDEX orderLine_unit ON orderLine(unitId);
CREATE INDEX orderLine_warehouse ON orderLine(warehouseId);
CREATE INDEX orderLine_rule ON orderLine(priceRuleId);

CREATE TABLE orderEvent (
    id INTEGER PRIMARY KEY,
    orderId INTEGER NOT NULL REFERENCES customerOrder(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    userId INTEGER REFERENCES user(id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('placed', 'status', 'edited', 'comment', 'shipment', 'document', 'exported', 'cancelled', 'split')),
    statusId INTEGER REFERENCES orderStatus(id) ON DELETE SET NULL,
    note TEXT
) STRICT;
CREATE INDEX orderEvent_order ON orderEvent(orderId, at);
CREATE INDEX orderEvent_user ON orderEvent(userId);
CREATE INDEX orderEvent_status ON orderEvent(statusId);

CREATE TABLE reservation (
    id INTEGER PRIMARY KEY,
    orderLineId INTEGER NOT NULL REFERENCES orderLine(id) ON DELETE CASCADE,
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    warehouseId INTEGER NOT NULL REFERENCES warehouse(id) ON DELETE CASCADE,
    qtyMilli INTEGER NOT NULL CHECK (qtyMilli > 0),
    expiresAt TEXT NOT NULL,
    releasedAt TEXT
) STRICT;
CREATE INDEX reservation_line ON reservation(orderLineId);
CREATE INDEX reservation_stock ON reservation(productId, warehouseId);
CREATE INDEX reservation_warehouse ON reservation(warehouseId);
CREATE INDEX reservation_open ON reservation(expiresAt) WHERE releasedAt IS NULL;

CREATE TABLE shipment (
    id INTEGER PRIMARY KEY,
    erpId TEXT UNIQUE,
    orderId INTEGER NOT NULL REFERENCES customerOrder(id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    warehouseId INTEGER REFERENCES warehouse(id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'assembling', 'shipped', 'delivered', 'cancelled')),
    carrier TEXT,
    trackingNumber TEXT,
    shippedAt TEXT,
    deliveredAt TEXT
) STRICT;
CREATE INDEX shipment_order ON shipment(orderId);
CREATE INDEX shipment_warehouse ON shipment(warehouseId);

CREATE TABLE shipmentLine (
    shipmentId INTEGER NOT NULL REFERENCES shipment(id) ON DELETE CASCADE,
    orderLineId INTEGER NOT NULL REFERENCES orderLine(id) ON DELETE CASCADE,
    qtyMilli INTEGER NOT NULL CHECK (qtyMilli > 0),
    PRIMARY KEY (shipmentId, orderLineId)
) STRICT, WITHOUT ROWID;
CREATE INDEX shipmentLine_line ON shipmentLine(orderLineId);

-- A visitor's one-click order without an account: a lead for managers.
CREATE TABLE lead (
    id INTEGER PRIMARY KEY,
    name TEXT,
    phone TEXT NOT NULL,
    email TEXT,
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    consentAt TEXT NOT NULL,
    consentVersion TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'in_progress', 'done', 'rejected')),
    assignedTo INTEGER REFERENCES user(id) ON DELETE SET NULL,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX lead_status ON lead(status, createdAt);
CREATE INDEX lead_assigned ON lead(assignedTo);

------------------------------------------------------------------------------------------------
-- Documents and finance
------------------------------------------------------------------------------------------------

CREATE TABLE document (
    id INTEGER PRIMARY KEY,
    erpId TEXT UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('bill', 'invoice', 'waybill', 'upd', 'act', 'reconciliation', 'price_list', 'other')),
    number TEXT NOT NULL,
    date TEXT NOT NULL,
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    sellerOrganizationId INTEGER REFERENCES sellerOrganization(id) ON DELETE SET NULL,
    orderId INTEGER REFERENCES customerOrder(id) ON DELETE SET NULL,
    shipmentId INTEGER REFERENCES shipment(id) ON DELETE SET NULL,
    amountMinor INTEGER CHECK (amountMinor >= 0),
    currency TEXT NOT NULL DEFAULT 'RUB',
    fileId INTEGER REFERENCES file(id) ON DELETE SET NULL,
    source TEXT NOT NULL DEFAULT 'generated' CHECK (source IN ('generated', 'erp', 'manager')),
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX document_counterparty ON document(counterpartyId, date);
CREATE INDEX document_seller ON document(sellerOrganizationId);
CREATE INDEX document_order ON document(orderId);
CREATE INDEX document_shipment ON document(shipmentId);
CREATE INDEX document_file ON document(fileId);

-- Settlements with a counterparty as the ERP reports them: debts (positive) and payments (negative).
CREATE TABLE settlement (
    id INTEGER PRIMARY KEY,
    erpId TEXT UNIQUE,
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    agreementId INTEGER REFERENCES agreement(id) ON DELETE SET NULL,
    documentId INTEGER REFERENCES document(id) ON DELETE SET NULL,
    orderId INTEGER REFERENCES customerOrder(id) ON DELETE SET NULL,
    date TEXT NOT NULL,
    dueDate TEXT,
    amountMinor INTEGER NOT NULL,
    currency TEXT NOT NULL DEFAULT 'RUB',
    description TEXT
) STRICT;
CREATE INDEX settlement_counterparty ON settlement(counterpartyId, date);
CREATE INDEX settlement_agreement ON settlement(agreementId);
CREATE INDEX settlement_document ON settlement(documentId);
CREATE INDEX settlement_order ON settlement(orderId);

------------------------------------------------------------------------------------------------
-- Requests (tickets)
------------------------------------------------------------------------------------------------

CREATE TABLE ticket (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('complaint', 'return', 'message', 'documents', 'content', 'reconciliation')),
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    userId INTEGER REFERENCES user(id) ON DELETE SET NULL,
    orderId INTEGER REFERENCES customerOrder(id) ON DELETE SET NULL,
    subject TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 300),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'answered', 'closed', 'rejected')),
    assignedTo INTEGER REFERENCES user(id) ON DELETE SET NULL,
    payload TEXT CHECK (payload IS NULL OR json_valid(payload)),   -- return lines, periods, …
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX ticket_counterparty ON ticket(counterpartyId, createdAt);
CREATE INDEX ticket_user ON ticket(userId);
CREATE INDEX ticket_order ON ticket(orderId);
CREATE INDEX ticket_assigned ON ticket(assignedTo, status);

CREATE TABLE ticketMessage (
    id INTEGER PRIMARY KEY,
    ticketId INTEGER NOT NULL REFERENCES ticket(id) ON DELETE CASCADE,
    userId INTEGER REFERENCES user(id) ON DELETE SET NULL,
    body TEXT NOT NULL CHECK (length(body) <= 20000),
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX ticketMessage_ticket ON ticketMessage(ticketId, at);
CREATE INDEX ticketMessage_user ON ticketMessage(userId);

CREATE TABLE ticketAttachment (
    ticketMessageId INTEGER NOT NULL REFERENCES ticketMessage(id) ON DELETE CASCADE,
    fileId INTEGER NOT NULL REFERENCES file(id) ON DELETE RESTRICT,
    PRIMARY KEY (ticketMessageId, fileId)
) STRICT, WITHOUT ROWID;
CREATE INDEX ticketAttachment_file ON ticketAttachment(fileId);

------------------------------------------------------------------------------------------------
-- Content
------------------------------------------------------------------------------------------------

CREATE TABLE contentItem (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('news', 'banner', 'page')),
    slug TEXT,
    language TEXT NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'en')),
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    link TEXT,
    imageFileId INTEGER REFERENCES file(id) ON DELETE SET NULL,
    published INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1)),
    publishedAt TEXT,
    sortOrder INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, language, slug)
) STRICT;
CREATE INDEX contentItem_published ON contentItem(kind, published, publishedAt);
CREATE INDEX contentItem_image ON contentItem(imageFileId);

------------------------------------------------------------------------------------------------
-- Integration: imports, the 1C exchange, the outbox
------------------------------------------------------------------------------------------------

CREATE TABLE importJob (
    id INTEGER PRIMARY KEY,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    source TEXT NOT NULL CHECK (source IN ('api', 'cli', 'exchange', 'admin')),
    userId INTEGER REFERENCES user(id) ON DELETE SET NULL,
    bytesTotal INTEGER NOT NULL DEFAULT 0,
    bytesDone INTEGER NOT NULL DEFAULT 0,
    rowsDone INTEGER NOT NULL DEFAULT 0,
    counts TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(counts)),   -- {"product":{"created":1,...},...}
    error TEXT,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    startedAt TEXT,
    finishedAt TEXT
) STRICT;
CREATE INDEX importJob_status ON importJob(status, createdAt);
CREATE INDEX importJob_user ON importJob(userId);

CREATE TABLE importJobFile (
    id INTEGER PRIMARY KEY,
    importJobId INTEGER NOT NULL REFERENCES importJob(id) ON DELETE CASCADE,
    fileName TEXT NOT NULL,
    blobSha256 TEXT NOT NULL REFERENCES blob(sha256) ON DELETE RESTRICT,
    format TEXT,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed', 'skipped')),
    sortOrder INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX importJobFile_job ON importJobFile(importJobId, sortOrder);
CREATE INDEX importJobFile_blob ON importJobFile(blobSha256);

CREATE TABLE importIssue (
    id INTEGER PRIMARY KEY,
    importJobId INTEGER NOT NULL REFERENCES importJob(id) ON DELETE CASCADE,
    fileName TEXT,
    line INTEGER,
    entity TEXT,
    erpId TEXT,
    severity TEXT NOT NULL DEFAULT 'error' CHECK (severity IN ('error', 'warning')),
    message TEXT NOT NULL
) STRICT;
CREATE INDEX importIssue_job ON importIssue(importJobId);

-- A 1C "exchange with site" session: the cookie it got at checkauth and the files it sent.
CREATE TABLE exchangeSession (
    id INTEGER PRIMARY KEY,
    cookieHash TEXT NOT NULL UNIQUE,
    userId INTEGER REFERENCES user(id) ON DELETE SET NULL,
    type TEXT NOT NULL CHECK (type IN ('catalog', 'sale')),
    importJobId INTEGER REFERENCES importJob(id) ON DELETE SET NULL,
    createdAt TEXT NOT NULL,
    expiresAt TEXT NOT NULL
) STRICT;
CREATE INDEX exchangeSession_user ON exchangeSession(userId);
CREATE INDEX exchangeSession_job ON exchangeSession(importJobId);

CREATE TABLE exchangeFile (
    id INTEGER PRIMARY KEY,
    exchangeSessionId INTEGER NOT NULL REFERENCES exchangeSession(id) ON DELETE CASCADE,
    fileName TEXT NOT NULL,
    chunkNo INTEGER NOT NULL CHECK (chunkNo >= 0),
    blobSha256 TEXT NOT NULL REFERENCES blob(sha256) ON DELETE RESTRICT,
    UNIQUE (exchangeSessionId, fileName, chunkNo)
) STRICT;
CREATE INDEX exchangeFile_blob ON exchangeFile(blobSha256);

-- Notifications and outbound calls, written in the same transaction as the change that caused
-- them; a worker delivers them with retries.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                               -- 'email', 'sms', 'webhook'
    topic TEXT NOT NULL,                              -- 'order.placed', 'registration.accepted'
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    idempotencyKey TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    nextAttemptAt TEXT NOT NULL,
    lastError TEXT,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    sentAt TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox(status, nextAttemptAt);

------------------------------------------------------------------------------------------------
-- Data every database starts with
------------------------------------------------------------------------------------------------

INSERT INTO currency (code, name, symbol, minorDigits) VALUES
    ('RUB', 'Российский рубль', '₽', 2),
    ('USD', 'US Dollar', '$', 2),
    ('EUR', 'Euro', '€', 2),
    ('CNY', 'Китайский юань', '¥', 2),
    ('KZT', 'Казахстанский тенге', '₸', 2),
    ('BYN', 'Белорусский рубль', 'Br', 2);

INSERT INTO tag (code, nameEn, nameRu) VALUES
    ('novelty', 'New', 'Новинка'),
    ('sale', 'Sale', 'Распродажа'),
    ('special_price', 'Special price', 'Спеццена'),
    ('best_seller', 'Best seller', 'Хит продаж'),
    ('discount', 'Discount', 'Скидка');

INSERT INTO role (code, nameEn, nameRu, isBuiltIn, isStaff) VALUES
    ('admin', 'Administrator', 'Администратор', 1, 1),
    ('executive', 'Executive', 'Руководитель', 1, 1),
    ('manager', 'Manager', 'Менеджер', 1, 1),
    ('assistant', 'Assistant', 'Ассистент', 1, 1),
    ('editor', 'Content editor', 'Контент-редактор', 1, 1),
    ('buyer_admin', 'Buyer administrator', 'Администратор покупателя', 1, 0),
    ('buyer', 'Buyer', 'Покупатель', 1, 0);

INSERT INTO permission (code, section, nameEn, nameRu) VALUES
    ('catalog.view', 'catalog', 'View the catalog', 'Просмотр каталога'),
    ('catalog.prices', 'catalog', 'See prices', 'Просмотр цен'),
    ('orders.place', 'orders', 'Place orders', 'Оформление заказов'),
    ('orders.view', 'orders', 'View the company''s orders', 'Просмотр заказов компании'),
    ('orders.view_all', 'orders', 'View all orders', 'Просмотр всех заказов'),
    ('orders.edit', 'orders', 'Edit and cancel orders', 'Изменение и отмена заказов'),
    ('orders.credit_override', 'orders', 'Override a credit lock', 'Снятие кредитной блокировки'),
    ('documents.view', 'documents', 'Download documents', 'Скачивание документов'),
    ('finance.view', 'finance', 'See receivables and credit', 'Просмотр задолженности и кредита'),
    ('requests.create', 'requests', 'File requests and complaints', 'Создание обращений'),
    ('requests.handle', 'requests', 'Answer requests', 'Обработка обращений'),
    ('users.manage_company', 'users', 'Manage the company''s users', 'Управление пользователями компании'),
    ('customers.serve', 'customers', 'Serve assigned customers', 'Работа с закреплёнными клиентами'),
    ('customers.serve_all', 'customers', 'Serve all customers', 'Работа со всеми клиентами'),
    ('customers.impersonate', 'customers', 'Log in as a user', 'Вход под пользователем'),
    ('content.edit', 'content', 'Edit content, photos and documents', 'Редактирование контента'),
    ('reviews.moderate', 'content', 'Moderate reviews', 'Модерация отзывов'),
    ('pricing.manage', 'admin', 'Manage price rules', 'Управление ценовыми правилами'),
    ('import.run', 'admin', 'Run imports', 'Запуск импорта'),
    ('admin.users', 'admin', 'Manage users and roles', 'Управление пользователями и ролями'),
    ('admin.settings', 'admin', 'Change settings', 'Изменение настроек'),
    ('admin.backups', 'admin', 'Create and download backups', 'Резервные копии');

INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, permission.code FROM role, permission WHERE role.code = 'admin';
INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, permission.code FROM role, permission
    WHERE role.code = 'executive' AND permission.code IN ('catalog.view', 'catalog.prices', 'orders.view', 'orders.view_all',
        'orders.edit', 'orders.credit_override', 'documents.view', 'finance.view', 'requests.handle', 'customers.serve',
        'customers.serve_all', 'customers.impersonate');
INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, permission.code FROM role, permission
    WHERE role.code = 'manager' AND permission.code IN ('catalog.view', 'catalog.prices', 'orders.view', 'orders.edit',
        'orders.credit_override', 'documents.view', 'finance.view', 'requests.handle', 'customers.serve',
        'customers.impersonate');
INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, permission.code FROM role, permission
    WHERE role.code = 'assistant' AND permission.code IN ('catalog.view', 'catalog.prices', 'orders.view', 'documents.view',
        'finance.view', 'requests.handle', 'customers.serve');
INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, permission.code FROM role, permission
    WHERE role.code = 'editor' AND permission.code IN ('catalog.view', 'content.edit', 'reviews.moderate');
INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, permission.code FROM role, permission
    WHERE role.code = 'buyer_admin' AND permission.code IN ('catalog.view', 'catalog.prices', 'orders.place', 'orders.view',
        'documents.view', 'finance.view', 'requests.create', 'users.manage_company');
INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, permission.code FROM role, permission
    WHERE role.code = 'buyer' AND permission.code IN ('catalog.view', 'catalog.prices', 'orders.place', 'orders.view',
        'documents.view', 'requests.create');

INSERT INTO orderStatus (code, nameEn, nameRu, color, erpCode, isActive, allowsCancel, allowsEdit, isFinal, sortOrder) VALUES
    ('new', 'New', 'Новый', '#1f5f8b', 'Новый', 1, 1, 1, 0, 10),
    ('confirmed', 'Confirmed', 'Подтверждён', '#2e7d32', 'Согласован', 1, 1, 0, 0, 20),
    ('awaiting_payment', 'Awaiting payment', 'Ожидает оплаты', '#a35a00', 'КОплате', 1, 1, 0, 0, 30),
    ('assembling', 'Assembling', 'Собирается', '#6a1b9a', 'КОбеспечению', 1, 0, 0, 0, 40),
    ('shipped', 'Shipped', 'Отгружен', '#00838f', 'КОтгрузке', 1, 0, 0, 0, 50),
    ('completed', 'Completed', 'Выполнен', '#455a64', 'Закрыт', 0, 0, 0, 1, 60),
    ('cancelled', 'Cancelled', 'Отменён', '#b3261e', 'Отменен', 0, 0, 0, 1, 70);

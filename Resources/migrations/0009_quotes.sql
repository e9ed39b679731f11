-- Requests for quote, shared shopping lists and the customer's own product numbers (issue 14).

-- A request for quote: a buyer's cart sent to the company's manager with target prices; the
-- manager answers with prices and a validity date; rounds go back and forth until the buyer
-- accepts (an order at the quoted prices) or one side closes it. "Expired" is not stored: an
-- offer whose validUntil has passed is shown as expired and cannot be accepted.
CREATE TABLE quote (
    id INTEGER PRIMARY KEY,
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    userId INTEGER REFERENCES user(id) ON DELETE SET NULL,          -- the buyer who asked
    managerId INTEGER REFERENCES user(id) ON DELETE SET NULL,       -- who made the last offer
    status TEXT NOT NULL DEFAULT 'requested' CHECK (status IN ('requested', 'offered', 'accepted', 'declined')),
    currency TEXT NOT NULL DEFAULT 'RUB',
    validUntil TEXT,                                                -- YYYY-MM-DD: the last day the offer may be accepted
    orderId INTEGER REFERENCES customerOrder(id) ON DELETE SET NULL,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX quote_counterparty ON quote(counterpartyId, id);
CREATE INDEX quote_status ON quote(status, updatedAt);
CREATE INDEX quote_order ON quote(orderId) WHERE orderId IS NOT NULL;

CREATE TABLE quoteLine (
    id INTEGER PRIMARY KEY,
    quoteId INTEGER NOT NULL REFERENCES quote(id) ON DELETE CASCADE,
    lineNo INTEGER NOT NULL CHECK (lineNo > 0),
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE RESTRICT,
    unitId INTEGER NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
    qtyMilli INTEGER NOT NULL CHECK (qtyMilli > 0),
    listPriceMinor INTEGER,                                         -- the buyer's own price of one unit when asking
    targetPriceMinor INTEGER CHECK (targetPriceMinor >= 0),         -- the buyer's latest target
    quotedPriceMinor INTEGER CHECK (quotedPriceMinor >= 0),         -- the manager's latest price
    UNIQUE (quoteId, lineNo)
) STRICT;

-- The negotiation: one row per step, with the prices of that step ({"lineId": minor, ...}).
CREATE TABLE quoteRound (
    id INTEGER PRIMARY KEY,
    quoteId INTEGER NOT NULL REFERENCES quote(id) ON DELETE CASCADE,
    side TEXT NOT NULL CHECK (side IN ('buyer', 'manager')),
    action TEXT NOT NULL CHECK (action IN ('request', 'offer', 'counter', 'accept', 'decline')),
    userId INTEGER REFERENCES user(id) ON DELETE SET NULL,
    actingUserId INTEGER REFERENCES user(id) ON DELETE SET NULL,    -- staff acting as the buyer
    comment TEXT,
    validUntil TEXT,
    prices TEXT,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX quoteRound_quote ON quoteRound(quoteId, id);

-- Shared shopping lists (requisition lists) of a company: for the whole company or for chosen
-- colleagues (shoppingListMember); the owner always sees it.
CREATE TABLE shoppingList (
    id INTEGER PRIMARY KEY,
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    ownerUserId INTEGER REFERENCES user(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    sharing TEXT NOT NULL DEFAULT 'company' CHECK (sharing IN ('company', 'members')),
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX shoppingList_counterparty ON shoppingList(counterpartyId, name);

CREATE TABLE shoppingListMember (
    listId INTEGER NOT NULL REFERENCES shoppingList(id) ON DELETE CASCADE,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    PRIMARY KEY (listId, userId)
) STRICT, WITHOUT ROWID;
CREATE INDEX shoppingListMember_user ON shoppingListMember(userId);

CREATE TABLE shoppingListLine (
    id INTEGER PRIMARY KEY,
    listId INTEGER NOT NULL REFERENCES shoppingList(id) ON DELETE CASCADE,
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    unitId INTEGER NOT NULL REFERENCES unit(id) ON DELETE RESTRICT,
    qtyMilli INTEGER NOT NULL CHECK (qtyMilli > 0),
    addedBy INTEGER REFERENCES user(id) ON DELETE SET NULL,
    addedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    UNIQUE (listId, productId, unitId)
) STRICT;

-- A company's own numbers for our products: quick order, uploads and search accept them for
-- that company's users; order pages and documents show them next to ours.
CREATE TABLE customerPartNumber (
    id INTEGER PRIMARY KEY,
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    number TEXT NOT NULL COLLATE NOCASE CHECK (length(number) BETWEEN 1 AND 100),
    productId INTEGER NOT NULL REFERENCES product(id) ON DELETE CASCADE,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    UNIQUE (counterpartyId, number)
) STRICT;
CREATE INDEX customerPartNumber_product ON customerPartNumber(counterpartyId, productId);

-- The company's own number of each ordered line, as it was when the order was placed.
ALTER TABLE orderLine ADD COLUMN customerSku TEXT;

INSERT INTO permission (code, section, nameEn, nameRu) VALUES
    ('quotes.request', 'orders', 'Request quotes and accept them', 'Запрос коммерческих предложений и их принятие'),
    ('quotes.answer', 'customers', 'Answer customers'' requests for quote', 'Ответы на запросы цен клиентов'),
    ('partnumbers.manage', 'orders', 'Edit the company''s own product numbers', 'Собственные артикулы компании');
INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, 'quotes.request' FROM role WHERE role.code IN ('admin', 'buyer_admin', 'buyer');
INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, 'quotes.answer' FROM role WHERE role.code IN ('admin', 'executive', 'manager', 'assistant');
INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, 'partnumbers.manage' FROM role WHERE role.code IN ('admin', 'buyer_admin');

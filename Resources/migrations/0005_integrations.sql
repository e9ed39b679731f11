-- Integrations beyond the outbox.
--
-- Mailing subscribers: users who asked for news and offers by e-mail (prior consent, with its
-- time, as the law on advertising wants), exported for the mailing service as CSV and announced
-- to webhooks (`subscriber.subscribed`, `subscriber.unsubscribed`).
ALTER TABLE user ADD COLUMN mailingOptIn INTEGER NOT NULL DEFAULT 0 CHECK (mailingOptIn IN (0, 1));
ALTER TABLE user ADD COLUMN mailingOptInAt TEXT;
CREATE INDEX user_mailing ON user(mailingOptIn) WHERE mailingOptIn = 1;

INSERT INTO permission (code, section, nameEn, nameRu) VALUES
    ('subscribers.export', 'admin', 'Export of mailing subscribers', 'Выгрузка подписчиков рассылки');
INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, 'subscribers.export' FROM role WHERE role.code = 'admin';

-- Delivery: the built-in tariff table (edited on /admin/delivery), asked when no delivery
-- company's API is configured or when it fails; and what a carrier's tracking says of a shipment.
CREATE TABLE deliveryTariff (
    id INTEGER PRIMARY KEY,
    -- NULL: every region (a region's own rows win over these).
    regionId INTEGER REFERENCES region(id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    -- The heaviest and biggest parcel the row prices; NULL: no limit.
    maxWeightGrams INTEGER CHECK (maxWeightGrams > 0),
    maxVolumeMl INTEGER CHECK (maxVolumeMl > 0),
    priceMinor INTEGER NOT NULL CHECK (priceMinor >= 0),
    -- Added per started kilogram above baseWeightGrams.
    perKgMinor INTEGER NOT NULL DEFAULT 0 CHECK (perKgMinor >= 0),
    baseWeightGrams INTEGER NOT NULL DEFAULT 0 CHECK (baseWeightGrams >= 0),
    -- Free when the goods cost at least this.
    freeFromMinor INTEGER CHECK (freeFromMinor > 0),
    days INTEGER CHECK (days BETWEEN 0 AND 365),
    currency TEXT NOT NULL DEFAULT 'RUB'
) STRICT;
CREATE INDEX deliveryTariff_region ON deliveryTariff(regionId);

-- The carrier's word on a shipment: its status text, when it was last asked, when it changed.
ALTER TABLE shipment ADD COLUMN trackingStatus TEXT;
ALTER TABLE shipment ADD COLUMN trackingCheckedAt TEXT;
ALTER TABLE shipment ADD COLUMN trackingChangedAt TEXT;
CREATE INDEX shipment_tracking ON shipment(trackingCheckedAt) WHERE trackingNumber IS NOT NULL AND status = 'shipped';

-- Registration codes: the phone of a registration request is confirmed by a code sent by SMS
-- (when an SMS gateway is set up). The code and the page's token are kept as SHA-256 hashes.
ALTER TABLE registrationRequest ADD COLUMN phoneVerifiedAt TEXT;
ALTER TABLE registrationRequest ADD COLUMN phoneConfirmToken TEXT;
ALTER TABLE registrationRequest ADD COLUMN phoneCodeHash TEXT;
ALTER TABLE registrationRequest ADD COLUMN phoneCodeExpiresAt TEXT;
ALTER TABLE registrationRequest ADD COLUMN phoneCodeAttempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE registrationRequest ADD COLUMN phoneCodesSent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE registrationRequest ADD COLUMN phoneCodeSentAt TEXT;
CREATE UNIQUE INDEX registrationRequest_phoneToken ON registrationRequest(phoneConfirmToken) WHERE phoneConfirmToken IS NOT NULL;

-- Card payments through a redirect-and-callback gateway (bank transfer against the bill stays the
-- default). A payment is made when the buyer chooses to pay; the gateway's signed callbacks move
-- it to pending, paid or failed, each callback kept in paymentEvent.
CREATE TABLE payment (
    id INTEGER PRIMARY KEY,
    -- The id in the gateway's URLs and callbacks: random, never the row id.
    token TEXT NOT NULL UNIQUE,
    orderId INTEGER NOT NULL REFERENCES customerOrder(id) ON DELETE CASCADE,
    userId INTEGER REFERENCES user(id) ON DELETE SET NULL,
    amountMinor INTEGER NOT NULL CHECK (amountMinor > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'created' CHECK (status IN ('created', 'pending', 'paid', 'failed')),
    externalId TEXT,
    createdAt TEXT NOT NULL,
    updatedAt TEXT NOT NULL,
    paidAt TEXT
) STRICT;
CREATE INDEX payment_order ON payment(orderId);

CREATE TABLE paymentEvent (
    id INTEGER PRIMARY KEY,
    paymentId INTEGER NOT NULL REFERENCES payment(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    -- The gateway's own word and the portal's status it meant.
    gatewayStatus TEXT NOT NULL,
    status TEXT NOT NULL,
    externalId TEXT,
    -- Whether it changed the payment (a repeated callback does not).
    applied INTEGER NOT NULL CHECK (applied IN (0, 1))
) STRICT;
CREATE INDEX paymentEvent_payment ON paymentEvent(paymentId);

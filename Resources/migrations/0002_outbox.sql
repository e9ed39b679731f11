-- Outbound integrations: webhook endpoints, the outbox's link to them, and the right to run them.
--
-- A row being delivered is `sending` with `nextAttemptAt` as its lease: if the process dies
-- mid-send, the row is due again once the lease expires and is sent after the restart (with the
-- same idempotency key, carried to the receiver as Message-ID or Idempotency-Key).

-- An admin-configured receiver of events (a CRM, an ERP connector, a mailing service).
CREATE TABLE webhookEndpoint (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    url TEXT NOT NULL CHECK ((url LIKE 'http://%' OR url LIKE 'https://%') AND length(url) <= 2000),
    -- HMAC-SHA256 key of the X-Wholesail-Signature header.
    secret TEXT NOT NULL CHECK (length(secret) >= 16),
    -- Comma-separated topics; '*' is every topic, 'order.*' every topic under order.
    topics TEXT NOT NULL DEFAULT '*',
    -- 'json': the event as JSON; 'bitrix24': a lead through a Bitrix24 incoming-webhook URL.
    format TEXT NOT NULL DEFAULT 'json' CHECK (format IN ('json', 'bitrix24')),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;

-- The endpoint a `webhook` row goes to (its delivery log); other kinds leave it NULL.
ALTER TABLE outbox ADD COLUMN webhookEndpointId INTEGER REFERENCES webhookEndpoint(id) ON DELETE CASCADE;
ALTER TABLE outbox ADD COLUMN lastAttemptAt TEXT;
CREATE INDEX outbox_webhookEndpoint ON outbox(webhookEndpointId) WHERE webhookEndpointId IS NOT NULL;
CREATE INDEX outbox_created ON outbox(createdAt);

INSERT INTO permission (code, section, nameEn, nameRu) VALUES
    ('admin.outbox', 'admin', 'Outbox, webhooks and notification channels', 'Очередь уведомлений, вебхуки и каналы');
INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, 'admin.outbox' FROM role WHERE role.code = 'admin';

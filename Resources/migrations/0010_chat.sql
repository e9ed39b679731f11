-- The chat between a buyer company and its personal manager/assistant (issue 9): one
-- conversation per company, kept with the company; any buyer of the company and the staff who
-- serve it (plus executives and admins) take part.

-- One message of a company's conversation. `fromStaff` says which side wrote it (a staff member
-- writes for the distributor, a buyer for the company); the author may be deleted later.
CREATE TABLE chatMessage (
    id INTEGER PRIMARY KEY,
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    authorUserId INTEGER REFERENCES user(id) ON DELETE SET NULL,
    fromStaff INTEGER NOT NULL CHECK (fromStaff IN (0, 1)),
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX chatMessage_counterparty ON chatMessage(counterpartyId, id);

-- How far each participant has read a company's conversation (unread = newer messages of the
-- other side).
CREATE TABLE chatRead (
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    userId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    lastReadId INTEGER NOT NULL,
    readAt TEXT NOT NULL,
    PRIMARY KEY (counterpartyId, userId)
) STRICT, WITHOUT ROWID;
CREATE INDEX chatRead_user ON chatRead(userId);

-- When each side of a conversation was last e-mailed about new messages while away: no second
-- e-mail to that side until one of them has read the conversation since (the quiet period).
CREATE TABLE chatNotice (
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    side TEXT NOT NULL CHECK (side IN ('buyer', 'staff')),
    notifiedAt TEXT NOT NULL,
    PRIMARY KEY (counterpartyId, side)
) STRICT, WITHOUT ROWID;

INSERT INTO permission (code, section, nameEn, nameRu) VALUES
    ('chat.use', 'orders', 'Chat with the personal manager', 'Чат с персональным менеджером');
INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, 'chat.use' FROM role WHERE role.code IN ('admin', 'buyer_admin', 'buyer');

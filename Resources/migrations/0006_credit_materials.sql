-- Documents and finance, the rest of issue 8: credit lines and payment schedules of credit
-- agreements (imported from the ERP, shown on /finance and on the manager's page of a company),
-- and advertising and media materials an editor publishes for all buyers or for user groups.

-- A credit line (товарный кредит / кредитная линия) the ERP keeps for a counterparty, usually
-- under one of its agreements: a limit, what is used of it, the deferment per shipment, the
-- period it runs. `usedMinor` is the ERP's figure; when it sends none, the portal shows the
-- balance of the agreement's settlement entries instead.
CREATE TABLE creditLine (
    id INTEGER PRIMARY KEY,
    erpId TEXT NOT NULL UNIQUE,
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    agreementId INTEGER REFERENCES agreement(id) ON DELETE SET NULL,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    limitMinor INTEGER NOT NULL CHECK (limitMinor >= 0),
    usedMinor INTEGER CHECK (usedMinor >= 0),
    currency TEXT NOT NULL DEFAULT 'RUB',
    termDays INTEGER CHECK (termDays >= 0),
    ratePercent TEXT,                      -- an exact decimal as text ('12.5'), when the line bears interest
    openedOn TEXT,
    expiresOn TEXT,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'suspended', 'closed')),
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX creditLine_counterparty ON creditLine(counterpartyId);
CREATE INDEX creditLine_agreement ON creditLine(agreementId);

-- A payment schedule (график платежей) of a credit agreement: the instalments, what is paid of
-- each and when. The ERP sends a schedule whole; its instalments are replaced together.
CREATE TABLE paymentSchedule (
    id INTEGER PRIMARY KEY,
    erpId TEXT NOT NULL UNIQUE,
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    agreementId INTEGER REFERENCES agreement(id) ON DELETE SET NULL,
    creditLineId INTEGER REFERENCES creditLine(id) ON DELETE SET NULL,
    number TEXT NOT NULL,
    date TEXT NOT NULL,
    currency TEXT NOT NULL DEFAULT 'RUB',
    description TEXT,
    updatedAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX paymentSchedule_counterparty ON paymentSchedule(counterpartyId);
CREATE INDEX paymentSchedule_agreement ON paymentSchedule(agreementId);
CREATE INDEX paymentSchedule_creditLine ON paymentSchedule(creditLineId);

CREATE TABLE paymentScheduleItem (
    scheduleId INTEGER NOT NULL REFERENCES paymentSchedule(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    dueDate TEXT NOT NULL,
    amountMinor INTEGER NOT NULL CHECK (amountMinor >= 0),
    paidMinor INTEGER NOT NULL DEFAULT 0 CHECK (paidMinor >= 0),
    paidOn TEXT,
    PRIMARY KEY (scheduleId, position)
) STRICT, WITHOUT ROWID;

-- Advertising and media materials (leaflets, catalogues, banners, logos, presentations): a file
-- in the blob store (a private `file` row: served only by /materials/:id/file after the access
-- check), for all buyers or only for the members of chosen user groups, published or not.
CREATE TABLE material (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description TEXT NOT NULL DEFAULT '',
    fileId INTEGER NOT NULL REFERENCES file(id) ON DELETE RESTRICT,
    audience TEXT NOT NULL DEFAULT 'all' CHECK (audience IN ('all', 'groups')),
    published INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1)),
    publishedAt TEXT,
    createdBy INTEGER REFERENCES user(id) ON DELETE SET NULL,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
) STRICT;
CREATE INDEX material_published ON material(published, publishedAt);

CREATE TABLE materialGroup (
    materialId INTEGER NOT NULL REFERENCES material(id) ON DELETE CASCADE,
    userGroupId INTEGER NOT NULL REFERENCES userGroup(id) ON DELETE CASCADE,
    PRIMARY KEY (materialId, userGroupId)
) STRICT, WITHOUT ROWID;
CREATE INDEX materialGroup_group ON materialGroup(userGroupId);

-- `materials.view`: see and download the materials published for one (every built-in role; a
-- buyer admin may deny it to a colleague). Editing them is `content.edit`; managing user groups
-- and their members is `admin.users`.
INSERT INTO permission (code, section, nameEn, nameRu) VALUES
    ('materials.view', 'content', 'Download advertising materials', 'Скачивание рекламных материалов');
INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, 'materials.view' FROM role
    WHERE role.code IN ('admin', 'executive', 'manager', 'assistant', 'editor', 'buyer_admin', 'buyer');

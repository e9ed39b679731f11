-- Issue 14 (part): purchase approvals and spending budgets of a buyer company, the buyer's
-- purchase order number on orders, cost centres of employees. See docs/approvals.md.

-- Two statuses an order passes through before the distributor sees it: waiting for the buyer
-- company's own approver, and declined by them (final). Orders in either are neither exported
-- to the ERP nor announced to managers.
INSERT INTO orderStatus (code, nameEn, nameRu, color, erpCode, isActive, allowsCancel, allowsEdit, isFinal, sortOrder) VALUES
    ('pending_approval', 'Awaiting approval', 'На согласовании', '#8d6e00', NULL, 1, 1, 0, 0, 5),
    ('approval_declined', 'Not approved', 'Не согласован', '#7b1f1f', NULL, 0, 0, 0, 1, 75);

-- The buyer's purchase order number (their own document), and the cost centre the order is
-- charged to (copied from the employee's membership when placed).
ALTER TABLE customerOrder ADD COLUMN poNumber TEXT CHECK (poNumber IS NULL OR length(poNumber) BETWEEN 1 AND 100);
ALTER TABLE customerOrder ADD COLUMN costCentre TEXT CHECK (costCentre IS NULL OR length(costCentre) BETWEEN 1 AND 100);
CREATE INDEX customerOrder_costCentre ON customerOrder(counterpartyId, costCentre, placedAt);

-- An employee's cost centre within one company (a department, a site): budgets may be per cost centre.
ALTER TABLE userCounterparty ADD COLUMN costCentre TEXT CHECK (costCentre IS NULL OR length(costCentre) BETWEEN 1 AND 100);

-- A rule of a buyer company: orders of an employee (or of everyone holding a role, or of
-- everyone) that match the condition wait for the approver's decision.
CREATE TABLE approvalRule (
    id INTEGER PRIMARY KEY,
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    -- whose orders: one employee, or everyone with a role, or (both NULL) everyone
    userId INTEGER REFERENCES user(id) ON DELETE CASCADE,
    roleCode TEXT,
    condition TEXT NOT NULL CHECK (condition IN ('amount_above', 'category', 'any')),
    amountMinor INTEGER CHECK (amountMinor >= 0),
    categoryId INTEGER REFERENCES category(id) ON DELETE CASCADE,
    approverUserId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    createdBy INTEGER REFERENCES user(id) ON DELETE SET NULL,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    CHECK (userId IS NULL OR roleCode IS NULL),
    CHECK (condition <> 'amount_above' OR amountMinor IS NOT NULL),
    CHECK (condition <> 'category' OR categoryId IS NOT NULL)
) STRICT;
CREATE INDEX approvalRule_counterparty ON approvalRule(counterpartyId, active);
CREATE INDEX approvalRule_user ON approvalRule(userId);
CREATE INDEX approvalRule_category ON approvalRule(categoryId);
CREATE INDEX approvalRule_approver ON approvalRule(approverUserId);
CREATE INDEX approvalRule_createdBy ON approvalRule(createdBy);

-- One approver's decision on one order (an order matching rules of several approvers waits for
-- all of them; one decline declines it).
CREATE TABLE orderApproval (
    id INTEGER PRIMARY KEY,
    orderId INTEGER NOT NULL REFERENCES customerOrder(id) ON DELETE CASCADE,
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    approverUserId INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,
    reasons TEXT NOT NULL CHECK (json_valid(reasons)),     -- the matched rules: [{"rule":1,"condition":"amount_above",...}]
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'declined', 'withdrawn')),
    decidedBy INTEGER REFERENCES user(id) ON DELETE SET NULL,
    decidedAt TEXT,
    comment TEXT CHECK (comment IS NULL OR length(comment) <= 2000),
    createdAt TEXT NOT NULL,
    UNIQUE (orderId, approverUserId)
) STRICT;
CREATE INDEX orderApproval_approver ON orderApproval(approverUserId, status);
CREATE INDEX orderApproval_counterparty ON orderApproval(counterpartyId, status);
CREATE INDEX orderApproval_decidedBy ON orderApproval(decidedBy);

-- A spending budget of a buyer company for one employee or one cost centre, per calendar month
-- or quarter: orders placed in the period (awaiting approval included, cancelled and declined
-- not) may not add up to more than the limit.
CREATE TABLE spendingBudget (
    id INTEGER PRIMARY KEY,
    counterpartyId INTEGER NOT NULL REFERENCES counterparty(id) ON DELETE CASCADE,
    userId INTEGER REFERENCES user(id) ON DELETE CASCADE,
    costCentre TEXT CHECK (costCentre IS NULL OR length(costCentre) BETWEEN 1 AND 100),
    period TEXT NOT NULL CHECK (period IN ('month', 'quarter')),
    limitMinor INTEGER NOT NULL CHECK (limitMinor >= 0),
    currency TEXT NOT NULL DEFAULT 'RUB',
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    createdBy INTEGER REFERENCES user(id) ON DELETE SET NULL,
    createdAt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    CHECK ((userId IS NULL) <> (costCentre IS NULL))
) STRICT;
CREATE INDEX spendingBudget_counterparty ON spendingBudget(counterpartyId, active);
CREATE INDEX spendingBudget_user ON spendingBudget(userId);
CREATE INDEX spendingBudget_createdBy ON spendingBudget(createdBy);

INSERT INTO permission (code, section, nameEn, nameRu) VALUES
    ('orders.approve', 'orders', 'Approve colleagues'' orders (when named as approver)', 'Согласование заказов коллег (если назначен согласующим)'),
    ('approvals.manage', 'orders', 'Set approval rules and spending budgets of the company', 'Правила согласования и бюджеты закупок компании');
INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, 'orders.approve' FROM role WHERE role.code IN ('admin', 'buyer_admin', 'buyer');
INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, 'approvals.manage' FROM role WHERE role.code IN ('admin', 'buyer_admin');

-- The manager's workstation and the executive's view: the rights they need.
--
-- `customers.manage_users`: create, invite, link, enable, disable and remove the users of a
-- customer company one serves (from its page under /staff/companies); managers and assistants
-- act on their assigned companies only, executives and admins on all.
-- `customers.assign`: move customers between managers (executives, admins).
-- `staff.dashboard`: figures per manager (executives, admins).
-- `admin.audit`: the audit log page (admins).

INSERT INTO permission (code, section, nameEn, nameRu) VALUES
    ('customers.manage_users', 'customers', 'Manage the users of served customers', 'Управление пользователями клиентов'),
    ('customers.assign', 'customers', 'Assign customers to managers', 'Закрепление клиентов за менеджерами'),
    ('staff.dashboard', 'customers', 'See figures per manager', 'Показатели менеджеров');

INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, permission.code FROM role, permission
    WHERE role.code IN ('admin', 'executive', 'manager', 'assistant') AND permission.code = 'customers.manage_users';
INSERT INTO rolePermission (roleId, permissionCode)
    SELECT role.id, permission.code FROM role, permission
    WHERE role.code IN ('admin', 'executive') AND permission.code IN ('customers.assign', 'staff.dashboard');


-- `admin.audit`: read the audit log (/admin/audit).
INSERT INTO permission (code, section, nameEn, nameRu) VALUES
    ('admin.audit', 'admin', 'Read the audit log', 'Просмотр журнала аудита');
INSERT INTO rolePermission (roleId, permissionCode) SELECT role.id, 'admin.audit' FROM role WHERE role.code = 'admin';

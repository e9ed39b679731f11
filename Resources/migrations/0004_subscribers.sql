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

-- The platform's sandbox test client was named with both languages glued into one string ("Nền tảng LGSP — gọi
-- thử sandbox / LGSP platform — sandbox tries"), so a reader of either language saw both. Names are stored in
-- Vietnamese, as every organization's are; the console shows the platform client's names in the reader's language
-- from the contract (PLATFORM_TEST_CLIENT, src/api/contract/sandbox-try.ts). Only rows still as an earlier version
-- made them are changed: a name an operator gave them since is kept.
UPDATE organizations
SET name = 'Nền tảng LGSP — gọi thử sandbox'
WHERE code = '000.00.00.Z00'
  AND name = 'Nền tảng LGSP — gọi thử sandbox / LGSP platform — sandbox tries';

UPDATE systems
SET name = 'Thử nghiệm sandbox của nền tảng'
WHERE id IN (SELECT system_id FROM platform_test_client)
  AND name = 'Máy khách gọi thử của nền tảng / Platform try-it client';

UPDATE systems
SET description = 'Do nền tảng tạo để gọi thử phiên bản dịch vụ ở môi trường sandbox; không bao giờ có quyền production.'
WHERE id IN (SELECT system_id FROM platform_test_client)
  AND description = 'Do nền tảng tạo để gọi thử phiên bản dịch vụ ở môi trường sandbox; không bao giờ có quyền production. / Made by the platform to try service versions in the sandbox; never given production access.';

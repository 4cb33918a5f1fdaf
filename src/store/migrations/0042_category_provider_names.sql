-- The provider of the built-in shared category lists (migration 0028, src/control/categories/builtin.ts) was named
-- with both languages glued into one string, like the sandbox test client (0041). Its organization, system and
-- service are stored in Vietnamese; the console shows the organization and system in the reader's language from the
-- contract (PLATFORM_CATEGORY_PROVIDER). Only rows still as an earlier version made them are changed.
UPDATE organizations
SET name = 'Nền tảng LGSP — danh mục dùng chung'
WHERE id IN (SELECT organization_id FROM builtin_services WHERE kind = 'categories')
  AND name = 'Nền tảng LGSP — danh mục dùng chung / LGSP platform — shared category lists';

UPDATE systems
SET name = 'Danh mục dùng chung của nền tảng'
WHERE id IN (SELECT system_id FROM builtin_services WHERE kind = 'categories')
  AND name = 'Danh mục dùng chung của nền tảng / Platform shared category lists';

UPDATE systems
SET description = 'Do nền tảng tạo; cổng kết nối tự trả lời các lời gọi /dmdc/1.0 từ danh mục đã nhập.'
WHERE id IN (SELECT system_id FROM builtin_services WHERE kind = 'categories')
  AND description = 'Do nền tảng tạo; cổng kết nối tự trả lời các lời gọi /dmdc/1.0 từ danh mục đã nhập. / Made by the platform; the gateway answers /dmdc/1.0 calls itself from the imported lists.';

UPDATE services
SET name = 'Danh mục dùng chung'
WHERE id IN (SELECT service_id FROM builtin_services WHERE kind = 'categories')
  AND name = 'Danh mục dùng chung / Shared category lists';

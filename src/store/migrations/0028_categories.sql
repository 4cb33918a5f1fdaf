-- Shared category lists (danh mục dùng chung, issue 12 item 7): the operator keeps versioned lists — a code such
-- as GIOITINH, a name, the metadata of its fields and its items — and the gateway serves the current version of
-- each as the platform's own built-in service `/dmdc/1.0` (src/control/categories/, src/gateway/categories.ts).
-- A version is never changed once written: a new import writes a new version and moves `current_version` in the
-- same transaction, so consumers see the old items or the new ones, never a mix; the old versions stay as history.

CREATE TABLE category_lists (
  code text PRIMARY KEY,
  name_vi text NOT NULL,
  name_en text NOT NULL,
  description text NOT NULL DEFAULT '',
  -- The standard or decision the list comes from (e.g. "QĐ 121-TCTK/PPCĐ"): what a consumer may cite.
  source text NOT NULL DEFAULT '',
  -- The fields of the next import when it names none: [{ "name", "type", "description" }], the first is the key.
  fields jsonb NOT NULL,
  -- The version served; null until the first import (a list without items is not served).
  current_version integer,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE category_versions (
  list_code text NOT NULL REFERENCES category_lists (code),
  version integer NOT NULL CHECK (version >= 1),
  fields jsonb NOT NULL,
  item_count integer NOT NULL,
  -- SHA-256 of the items as canonical JSON: two versions with the same items are visibly the same.
  items_sha256 text NOT NULL,
  -- csv | xlsx | json | seed | peer:<name>: where the items came from.
  origin text NOT NULL,
  note text NOT NULL DEFAULT '',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (list_code, version)
);

CREATE TABLE category_items (
  list_code text NOT NULL,
  version integer NOT NULL,
  position integer NOT NULL,
  code text NOT NULL,
  -- Every field of the item by field name, typed as the version's metadata says.
  data jsonb NOT NULL,
  PRIMARY KEY (list_code, version, code),
  FOREIGN KEY (list_code, version) REFERENCES category_versions (list_code, version)
);
CREATE INDEX category_items_order ON category_items (list_code, version, position);

-- A province's own codes for a list mapped to the national ones (one local code → one national code).
CREATE TABLE category_mappings (
  list_code text NOT NULL REFERENCES category_lists (code),
  local_code text NOT NULL,
  national_code text NOT NULL,
  note text NOT NULL DEFAULT '',
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (list_code, local_code)
);

-- The platform's own built-in services: the version whose calls the gateway answers itself instead of forwarding.
-- Its row marks the version (and its provider system) platform-owned; made once at start-up.
CREATE TABLE builtin_services (
  kind text PRIMARY KEY CHECK (kind IN ('categories')),
  organization_id text NOT NULL REFERENCES organizations (id),
  system_id text NOT NULL REFERENCES systems (id),
  service_id text NOT NULL REFERENCES services (id),
  version_id text NOT NULL UNIQUE REFERENCES service_versions (id),
  created_at timestamptz NOT NULL
);

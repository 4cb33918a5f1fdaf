-- Issue 12 item 6 (R-26): JSON field mapping and SOAP exposed as REST, declared as data on a version
-- (docs/gateway.md, docs/soap-rest.md).
-- `field_mapping`: `{ "request": FieldMapping | null, "response": FieldMapping | null }` (src/core/field-mapping.ts),
-- applied by the gateway to JSON bodies only; NULL: the version's bodies pass through untouched.
ALTER TABLE service_versions ADD COLUMN field_mapping jsonb;
-- `soap_rest`: `{ "port", "soapVersion", "operations": [{ "operation", "method", "path" }] }` (src/core/soap-rest.ts)
-- — a SOAP version the gateway converts: JSON in, SOAP envelope to the provider, JSON out. Resolved against the
-- submitted WSDL at submission; NULL: the version is passed through as it is (today's SOAP pass-through).
ALTER TABLE service_versions ADD COLUMN soap_rest jsonb;

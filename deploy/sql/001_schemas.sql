-- 001: the schemas and who may use them.
--
-- Migrations run as ruglab_admin (the owner) in one transaction each, in
-- file-name order; `ruglab db migrate` records each applied file with its
-- SHA-256 in ruglab_meta.schema_migration and refuses to go on when an
-- applied file has changed. Never edit an applied migration: add a new one.
--
-- Schemas separate what may be seen by whom:
--   identity  who a patient is: name, INSZ, date of birth, address, GP.
--             Only the admin CLI and the clinician (reporting, audited).
--   clinical  sites, devices, programmes, the pseudonymous subject (badge
--             token, pseudonym), enrolments, sessions, conclusions.
--   meas      what the machines measured, written by the collector.
--   audit     who read identifiable data, when, with which command.
--   quality   pseudonymised views for the quality team (ruglab_quality
--             sees this schema and nothing else).

CREATE SCHEMA identity;
CREATE SCHEMA clinical;
CREATE SCHEMA meas;
CREATE SCHEMA audit;
CREATE SCHEMA quality;

REVOKE ALL ON SCHEMA identity, clinical, meas, audit, quality FROM PUBLIC;

GRANT USAGE ON SCHEMA clinical, meas TO ruglab_collector;
GRANT USAGE ON SCHEMA identity, clinical, meas, audit, quality TO ruglab_clinician;
GRANT USAGE ON SCHEMA quality TO ruglab_quality;

-- The clinician reads everything but the audit log, including tables that
-- later migrations add (they are created by ruglab_admin).
ALTER DEFAULT PRIVILEGES FOR ROLE ruglab_admin IN SCHEMA identity, clinical, meas
    GRANT SELECT ON TABLES TO ruglab_clinician;
ALTER DEFAULT PRIVILEGES FOR ROLE ruglab_admin IN SCHEMA quality
    GRANT SELECT ON TABLES TO ruglab_clinician, ruglab_quality;

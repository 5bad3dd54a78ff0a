-- ruglab: one-time setup of a PostgreSQL server for ruglab, run by a
-- superuser (psql -v ON_ERROR_STOP=1 -f deploy/db-setup.sql). Idempotent.
-- Creates the six roles and the database owned by ruglab_admin; the
-- schema itself comes from the migrations (`ruglab db migrate`, run as
-- ruglab_admin). Passwords are set separately by the site's DBA
-- (\password ruglab_collector), never stored in a ruglab file.
--
--   ruglab_admin      owns the database and its schemas; runs migrations;
--                     used by the `ruglab` administration CLI
--   ruglab_collector  used by ruglab-collector: inserts measurements, reads
--                     device keys and pseudonymous tokens; no identity
--   ruglab_clinician  used by ruglab-report: reads identity, clinical and
--                     measurement data; every read of identity is audited
--   ruglab_quality    used by ruglab-outcomes and BI tools: the
--                     pseudonymised views of schema quality, nothing else
--   ruglab_secretariat used by ruglab-web for the secretariat: registers
--                     patients, enrols, records sessions and paper
--                     questionnaires, reads what it needs to show them;
--                     no measurement values, no reports, users or devices
--   ruglab_web        ruglab-web's sign-in: reads the user accounts (schema
--                     web), writes sign-in attempts; nothing else
SELECT format('CREATE ROLE %I LOGIN', r)
FROM unnest(ARRAY['ruglab_admin', 'ruglab_collector', 'ruglab_clinician', 'ruglab_quality',
                   'ruglab_secretariat', 'ruglab_web']) AS r
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r)
\gexec

SELECT 'CREATE DATABASE ruglab OWNER ruglab_admin ENCODING ''UTF8'' TEMPLATE template0'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'ruglab')
\gexec

-- Nobody but the owner may create objects in schema public.
\connect ruglab
REVOKE ALL ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE ruglab FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE ruglab TO ruglab_admin, ruglab_collector, ruglab_clinician, ruglab_quality;
GRANT CONNECT ON DATABASE ruglab TO ruglab_secretariat, ruglab_web;
GRANT CREATE ON DATABASE ruglab TO ruglab_admin;

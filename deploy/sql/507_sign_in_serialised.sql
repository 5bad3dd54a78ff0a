-- 507: the sign-in limit counts only real password checks.
--
-- An attempt refused because the name or address was already locked out
-- is recorded (the audit of sign-ins keeps it) but marked refused_locked
-- and no longer counted as a failure: before, every refused attempt was a
-- new failure, so anyone could keep a known user name (or, behind a proxy
-- without trusted_proxies, everybody) locked out for ever with one request
-- every few minutes. The lock now ends 15 minutes after the fifth real
-- failure. ruglab-web also counts and records under advisory locks per
-- name and per address in one transaction, so parallel attempts cannot
-- check more passwords than the limit.
ALTER TABLE web.sign_in_attempt
    ADD COLUMN refused_locked boolean NOT NULL DEFAULT false,
    ADD CHECK (NOT (ok AND refused_locked));

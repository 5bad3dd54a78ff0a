-- 501: the web's sign-in reads the code of the person's site, so that the
-- session (and the "who am I" page) names it without a second, more
-- powerful connection. Site codes and names are not patient data.
GRANT USAGE ON SCHEMA clinical TO ruglab_web;
GRANT SELECT (site_id, code, name) ON clinical.site TO ruglab_web;

# ruglab-web: the people's side in a browser (libmicrohttpd): sign-in,
# sessions, CSRF, roles, and the pages on the project's own modules: the
# report's model, comparison, charts and letter are ruglab-report's own
# sources (all but its main.c), linked into this program too, so both
# show the same thing. Its packages are therefore a superset of the
# report's (an object compiled for both gets the last program's list).
PROGRAMS += ruglab-web
REPORT_MODULE_SRCS := $(filter-out services/report/main.c,$(ruglab-report_SRCS))
# The quality pages likewise link ruglab-outcomes' modules (all but its
# main.c): the same fetch, suppression and cells as the CLI.
OUTCOMES_MODULE_SRCS := $(filter-out services/outcomes/main.c,$(ruglab-outcomes_SRCS))
ruglab-web_SRCS := $(sort $(wildcard services/web/*.c)) $(REPORT_MODULE_SRCS) \
    $(OUTCOMES_MODULE_SRCS)
ruglab-web_PKGS := libmicrohttpd $(ruglab-report_PKGS) $(ruglab-outcomes_PKGS)
# the modules without I/O: the escapers and the template engine
test_web_html_EXTRA := services/web/web_html.c
test_web_template_EXTRA := services/web/web_template.c services/web/web_html.c
test_web_session_EXTRA := services/web/web_session.c

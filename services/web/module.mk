# ruglab-web: the people's side in a browser (libmicrohttpd): sign-in,
# sessions, CSRF, roles; the clinical pages come next.
PROGRAMS += ruglab-web
ruglab-web_SRCS := $(sort $(wildcard services/web/*.c))
ruglab-web_PKGS := libmicrohttpd libpq libsodium
# the modules without I/O: the escapers and the template engine
test_web_html_EXTRA := services/web/web_html.c
test_web_template_EXTRA := services/web/web_template.c services/web/web_html.c
test_web_session_EXTRA := services/web/web_session.c

/* TLS by the library ([tls] certificate and key): the PEM files read into
 * memory for libmicrohttpd (GnuTLS) and checked as a pair before the
 * service starts, and by --check-config. */
#include "web.h"

#include "ruglab/mem.h"
#include "ruglab/paths.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A PEM file's text (at most 1 MiB); NULL with err. */
static char *
s_read(const char *what, const char *path, rl_err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        rl_err_set(err, "[tls] %s: cannot read %s: %s", what, path, strerror(errno));
        return NULL;
    }
    web_buf_t b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < 1024 * 1024)
        web_buf_add(&b, chunk, n);
    bool bad = ferror(f) || b.len >= 1024 * 1024 || !b.data || !strstr(b.data, "-----BEGIN ");
    fclose(f);
    if (bad) {
        if (b.data)
            explicit_bzero(b.data, b.len);
        web_buf_clear(&b);
        rl_err_set(err, "[tls] %s: %s is not a PEM file", what, path);
        return NULL;
    }
    return web_buf_take(&b, &n);
}

/* The check's daemon answers nothing (it has no socket). */
static enum MHD_Result
s_refuse(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
         const char *version, const char *upload, size_t *upload_size, void **state)
{
    (void)cls;
    (void)conn;
    (void)url;
    (void)method;
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)state;
    return MHD_NO;
}

void
web_tls_free(web_app_t *app)
{
    if (app->tls_key_pem)
        explicit_bzero(app->tls_key_pem, strlen(app->tls_key_pem));
    free(app->tls_key_pem);
    free(app->tls_cert_pem);
    app->tls_key_pem = app->tls_cert_pem = NULL;
}

int
web_tls_load(web_app_t *app, rl_err_t *err)
{
    const web_settings_t *s = &app->set;
    if (!s->tls_certificate[0])
        return 0;
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return rl_err_set(err, "[tls]: this libmicrohttpd is built without TLS (GnuTLS)");
    if (rl_paths_check_secret(s->tls_key, err) != 0) {
        rl_err_prefix(err, "[tls] key: ");
        return -1;
    }
    app->tls_cert_pem = s_read("certificate", s->tls_certificate, err);
    app->tls_key_pem = app->tls_cert_pem ? s_read("key", s->tls_key, err) : NULL;
    if (!app->tls_key_pem) {
        web_tls_free(app);
        return -1;
    }
    /* GnuTLS parses the pair when a daemon starts: one without a socket */
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET | MHD_USE_TLS, 0, NULL, NULL, s_refuse, NULL,
                         MHD_OPTION_HTTPS_MEM_CERT, app->tls_cert_pem, MHD_OPTION_HTTPS_MEM_KEY,
                         app->tls_key_pem, MHD_OPTION_END);
    if (!d) {
        web_tls_free(app);
        return rl_err_set(err, "[tls]: %s and %s are not a certificate and its private key",
                          s->tls_certificate, s->tls_key);
    }
    MHD_stop_daemon(d);
    return 0;
}

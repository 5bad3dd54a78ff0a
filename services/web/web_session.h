/* ruglab-web's sessions and CSRF tokens. A session is made at sign-in
 * with a new random 256-bit id (libsodium, 64 hex digits), kept in memory
 * only (a restart signs everyone out), and ends after idle_s without a
 * request, absolute_s after sign-in, or at sign-out. A CSRF token is an
 * HMAC (crypto_auth) of a session id and an expiry under a per-process
 * random key, "EXPIRY-HEX", compared in constant time. Ids are never
 * logged. One table per process, a mutex inside: any thread. */
#ifndef WEB_SESSION_H
#define WEB_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEB_ID_HEX 65     /* 64 hex digits and a NUL */
#define WEB_TOKEN_SIZE 96 /* "EXPIRY-" and 64 hex digits, with room */

/* The signed-in person, copied out of the table for one request. */
typedef struct {
    char id[WEB_ID_HEX];
    int user_id;
    char name[72];
    char display_name[808]; /* at most 200 characters */
    char role[16];          /* physician, secretariat, quality, admin */
    char site[72];          /* site code, or "" */
    int64_t created_s;
    int64_t seen_s;
    int64_t checked_s; /* when the account was last read (web_signin.c) */
} web_session_t;

typedef struct web_sessions web_sessions_t;

web_sessions_t *web_sessions_new(int64_t idle_s, int64_t absolute_s);
void web_sessions_destroy(web_sessions_t **self_p);

/* A new random id in hex. */
void web_random_id(char out[WEB_ID_HEX]);

/* Adds a session for who (its id is replaced by a new one) at now; the
 * stored copy is written back to *who. */
void web_sessions_create(web_sessions_t *self, web_session_t *who, int64_t now);
/* Finds a live session and marks it used at now. false when the id is
 * unknown or the session timed out (then it is gone). */
bool web_sessions_get(web_sessions_t *self, const char *id, int64_t now, web_session_t *out);
/* Notes that the session's account was read again at now. */
void web_sessions_checked(web_sessions_t *self, const char *id, int64_t now);
/* Ends a session; false when there was none. */
bool web_sessions_end(web_sessions_t *self, const char *id);
/* Live sessions (expired ones dropped first). */
size_t web_sessions_count(web_sessions_t *self, int64_t now);

/* The CSRF token of id valid until expires_s. */
void web_sessions_token(const web_sessions_t *self, const char *id, int64_t expires_s,
                        char out[WEB_TOKEN_SIZE]);
/* Whether token was made for id and has not expired at now. */
bool web_sessions_token_ok(const web_sessions_t *self, const char *id, const char *token,
                           int64_t now);

#endif

/* Sessions and CSRF tokens of ruglab-web (see web_session.h). The table is
 * a plain array: a site has at most a few hundred people signed in. */
#include "web_session.h"

#include "ruglab/mem.h"

#include <assert.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct web_sessions {
    pthread_mutex_t lock;
    int64_t idle_s;
    int64_t absolute_s;
    unsigned char key[crypto_auth_KEYBYTES];
    web_session_t *s;
    size_t n;
};

web_sessions_t *
web_sessions_new(int64_t idle_s, int64_t absolute_s)
{
    web_sessions_t *self = rl_calloc(1, sizeof *self);
    pthread_mutex_init(&self->lock, NULL);
    self->idle_s = idle_s;
    self->absolute_s = absolute_s;
    crypto_auth_keygen(self->key);
    return self;
}

void
web_sessions_destroy(web_sessions_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    web_sessions_t *self = *self_p;
    sodium_memzero(self->key, sizeof self->key);
    if (self->s)
        sodium_memzero(self->s, self->n * sizeof *self->s);
    free(self->s);
    pthread_mutex_destroy(&self->lock);
    free(self);
    *self_p = NULL;
}

void
web_random_id(char out[WEB_ID_HEX])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, WEB_ID_HEX, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
}

/* Drops expired sessions; the lock is held. */
static void
s_prune(web_sessions_t *self, int64_t now)
{
    size_t k = 0;
    for (size_t i = 0; i < self->n; i++) {
        const web_session_t *s = &self->s[i];
        if (now - s->seen_s < self->idle_s && now - s->created_s < self->absolute_s)
            self->s[k++] = *s;
    }
    if (k < self->n)
        sodium_memzero(&self->s[k], (self->n - k) * sizeof *self->s);
    self->n = k;
}

void
web_sessions_create(web_sessions_t *self, web_session_t *who, int64_t now)
{
    web_random_id(who->id);
    who->created_s = now;
    who->seen_s = now;
    who->checked_s = now;
    pthread_mutex_lock(&self->lock);
    s_prune(self, now);
    self->s = rl_realloc(self->s, (self->n + 1) * sizeof *self->s);
    self->s[self->n++] = *who;
    pthread_mutex_unlock(&self->lock);
}

/* The index of id, or n; the lock is held. Every entry is compared, in
 * constant time, so the time taken says nothing about the ids. */
static size_t
s_index(const web_sessions_t *self, const char *id)
{
    size_t found = self->n;
    if (strlen(id) != WEB_ID_HEX - 1)
        return found;
    for (size_t i = 0; i < self->n; i++)
        if (sodium_memcmp(self->s[i].id, id, WEB_ID_HEX - 1) == 0)
            found = i;
    return found;
}

bool
web_sessions_get(web_sessions_t *self, const char *id, int64_t now, web_session_t *out)
{
    pthread_mutex_lock(&self->lock);
    s_prune(self, now);
    size_t i = s_index(self, id);
    bool ok = i < self->n;
    if (ok) {
        self->s[i].seen_s = now;
        *out = self->s[i];
    }
    pthread_mutex_unlock(&self->lock);
    return ok;
}

void
web_sessions_checked(web_sessions_t *self, const char *id, int64_t now)
{
    pthread_mutex_lock(&self->lock);
    size_t i = s_index(self, id);
    if (i < self->n)
        self->s[i].checked_s = now;
    pthread_mutex_unlock(&self->lock);
}

bool
web_sessions_end(web_sessions_t *self, const char *id)
{
    pthread_mutex_lock(&self->lock);
    size_t i = s_index(self, id);
    bool ok = i < self->n;
    if (ok) {
        self->s[i] = self->s[self->n - 1];
        sodium_memzero(&self->s[self->n - 1], sizeof *self->s);
        self->n--;
    }
    pthread_mutex_unlock(&self->lock);
    return ok;
}

size_t
web_sessions_count(web_sessions_t *self, int64_t now)
{
    pthread_mutex_lock(&self->lock);
    s_prune(self, now);
    size_t n = self->n;
    pthread_mutex_unlock(&self->lock);
    return n;
}

/* The MAC of "id|expires" under the process key. */
static void
s_mac(const web_sessions_t *self, const char *id, int64_t expires_s,
      unsigned char mac[crypto_auth_BYTES])
{
    char *msg = rl_asprintf("%s|%" PRId64, id, expires_s);
    crypto_auth(mac, (const unsigned char *)msg, strlen(msg), self->key);
    free(msg);
}

void
web_sessions_token(const web_sessions_t *self, const char *id, int64_t expires_s,
                   char out[WEB_TOKEN_SIZE])
{
    unsigned char mac[crypto_auth_BYTES];
    char hex[2 * crypto_auth_BYTES + 1];
    s_mac(self, id, expires_s, mac);
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    snprintf(out, WEB_TOKEN_SIZE, "%" PRId64 "-%s", expires_s, hex);
}

bool
web_sessions_token_ok(const web_sessions_t *self, const char *id, const char *token, int64_t now)
{
    if (!token || !id || !*id)
        return false;
    char *end = NULL;
    long long expires = strtoll(token, &end, 10);
    if (end == token || *end != '-' || expires < now)
        return false;
    unsigned char got[crypto_auth_BYTES], want[crypto_auth_BYTES];
    size_t n = 0;
    const char *hex_end = NULL;
    if (strlen(end + 1) != 2 * crypto_auth_BYTES ||
        sodium_hex2bin(got, sizeof got, end + 1, strlen(end + 1), NULL, &n, &hex_end) != 0 ||
        n != sizeof got)
        return false;
    s_mac(self, id, (int64_t)expires, want);
    return sodium_memcmp(got, want, sizeof got) == 0;
}

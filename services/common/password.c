/* Password rules, hashing and verification (password.h). */
#include "ruglab/password.h"

#include "ruglab/text.h"

#include <assert.h>
#include <sodium.h>
#include <string.h>

_Static_assert(RL_PASSWORD_HASH_SIZE == crypto_pwhash_STRBYTES,
               "RL_PASSWORD_HASH_SIZE must be libsodium's crypto_pwhash_STRBYTES");

/* The cost of one hash: libsodium's INTERACTIVE limits (2 passes over
 * 64 MiB, about 0.1 s). The web checks passwords online, several at once
 * on a hospital server: MODERATE (256 MiB, about 0.7 s each) would put
 * gigabytes and seconds behind a burst of sign-ins, and brute force is
 * slowed by the web's rate limit per user and address anyway. The cost is
 * inside each hash: raising it later re-hashes at the next sign-in
 * (rl_password_needs_rehash). */
#define S_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define S_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

int
rl_password_check(const char *pw, size_t len, rl_err_t *err)
{
    assert(pw);
    if (len > RL_PASSWORD_MAX_BYTES)
        return rl_err_set(err, "the password is longer than %d bytes", RL_PASSWORD_MAX_BYTES);
    if (!rl_text_utf8_valid(pw, len))
        return rl_err_set(err, "the password is not valid UTF-8 text");
    if (rl_text_control_at(pw, len) != len)
        return rl_err_set(err, "the password contains a control character");
    size_t chars = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)pw[i] & 0xc0) != 0x80)
            chars++;
    if (chars < RL_PASSWORD_MIN_CHARS)
        return rl_err_set(err, "the password is too short: at least %d characters",
                          RL_PASSWORD_MIN_CHARS);
    return 0;
}

int
rl_password_hash(const char *pw, size_t len, char out[RL_PASSWORD_HASH_SIZE], rl_err_t *err)
{
    if (rl_password_check(pw, len, err) < 0)
        return -1;
    if (sodium_init() < 0)
        return rl_err_set(err, "hashing the password: libsodium failed to initialise");
    if (crypto_pwhash_str(out, pw, len, S_OPSLIMIT, S_MEMLIMIT) != 0)
        return rl_err_set(err, "hashing the password: out of memory");
    return 0;
}

bool
rl_password_verify(const char *hash, const char *pw, size_t len)
{
    assert(hash && pw);
    if (len > RL_PASSWORD_MAX_BYTES ||
        strnlen(hash, RL_PASSWORD_HASH_SIZE) >= RL_PASSWORD_HASH_SIZE)
        return false;
    if (sodium_init() < 0)
        return false;
    return crypto_pwhash_str_verify(hash, pw, len) == 0;
}

bool
rl_password_needs_rehash(const char *hash)
{
    assert(hash);
    if (strnlen(hash, RL_PASSWORD_HASH_SIZE) >= RL_PASSWORD_HASH_SIZE || sodium_init() < 0)
        return true;
    return crypto_pwhash_str_needs_rehash(hash, S_OPSLIMIT, S_MEMLIMIT) != 0;
}

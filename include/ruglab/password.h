/* Passwords of the people who sign in to ruglab-web: the rules a new
 * password must meet, hashing it for storage and checking a typed password
 * against a stored hash (libsodium crypto_pwhash_str: Argon2id, the salt
 * and the cost inside the string). Shared by `ruglab user` and the web's
 * sign-in, so both apply one rule. Pure apart from libsodium; thread-safe.
 * Never print or log a password or a hash: the error messages here name
 * the rule only. */
#ifndef RUGLAB_PASSWORD_H
#define RUGLAB_PASSWORD_H

#include "ruglab/err.h"

#include <stdbool.h>
#include <stddef.h>

#define RL_PASSWORD_MIN_CHARS 12   /* characters (code points), not bytes */
#define RL_PASSWORD_MAX_BYTES 1024 /* bounds the work an attacker can ask for */
/* libsodium's crypto_pwhash_STRBYTES (checked in password.c): the size of
 * a hash string with its terminating NUL. */
#define RL_PASSWORD_HASH_SIZE 128

/* Checks the len bytes at pw against the rules, in this order: at most
 * RL_PASSWORD_MAX_BYTES bytes, valid UTF-8 (no NUL), no control characters
 * (what a person cannot type in a sign-in form), at least
 * RL_PASSWORD_MIN_CHARS characters. Returns 0, or -1 with err naming the
 * rule. */
int rl_password_check(const char *pw, size_t len, rl_err_t *err)
    __attribute__((warn_unused_result));

/* Checks the rules, then hashes the password into out (a NUL-terminated
 * "$argon2id$..." string). Returns 0, or -1 with err set (a rule, or
 * libsodium out of memory). */
int rl_password_hash(const char *pw, size_t len, char out[RL_PASSWORD_HASH_SIZE], rl_err_t *err)
    __attribute__((warn_unused_result));

/* Whether the len bytes at pw are the password of hash (a string made by
 * rl_password_hash). A malformed hash, or a password over
 * RL_PASSWORD_MAX_BYTES, never matches. Takes the time of one hash. */
bool rl_password_verify(const char *hash, const char *pw, size_t len);

/* Whether hash was made with another algorithm or cost than
 * rl_password_hash uses now (the web re-hashes at the next sign-in). */
bool rl_password_needs_rehash(const char *hash);

#endif

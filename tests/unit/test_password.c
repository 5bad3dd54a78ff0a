/* Unit tests for the password rules, hashing and verification. Each hash
 * costs about 0.1 s (Argon2id, 64 MiB): a few only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ruglab/password.h"

#include <string.h>

static void
s_refused(const char *pw, size_t len, const char *expected_msg)
{
    rl_err_t err = {{0}};
    assert_int_equal(rl_password_check(pw, len, &err), -1);
    assert_string_equal(err.msg, expected_msg);
}

static void
test_rules(void **state)
{
    (void)state;
    rl_err_t err = {{0}};
    assert_int_equal(rl_password_check("twelve chars", 12, &err), 0);
    s_refused("eleven char", 11, "the password is too short: at least 12 characters");
    s_refused("", 0, "the password is too short: at least 12 characters");
    /* characters, not bytes: 11 two-byte letters are 22 bytes and too short */
    const char *e11 = "ééééééééééé";
    s_refused(e11, strlen(e11), "the password is too short: at least 12 characters");
    const char *e12 = "éééééééééééé";
    assert_int_equal(rl_password_check(e12, strlen(e12), &err), 0);
    s_refused("abcdefgh\xff\xfe\xfdxyz", 14, "the password is not valid UTF-8 text");
    s_refused("abcdefgh\0ijklmn", 15, "the password is not valid UTF-8 text");
    s_refused("abcdefgh\tijklmn", 15, "the password contains a control character");
    char big[RL_PASSWORD_MAX_BYTES + 2];
    memset(big, 'a', sizeof big);
    assert_int_equal(rl_password_check(big, RL_PASSWORD_MAX_BYTES, &err), 0);
    s_refused(big, RL_PASSWORD_MAX_BYTES + 1, "the password is longer than 1024 bytes");
}

static void
test_hash_and_verify(void **state)
{
    (void)state;
    const char *pw = "correct horse battery";
    char hash[RL_PASSWORD_HASH_SIZE];
    rl_err_t err = {{0}};
    assert_int_equal(rl_password_hash(pw, strlen(pw), hash, &err), 0);
    assert_int_equal(strncmp(hash, "$argon2id$", 10), 0);
    assert_null(strstr(hash, pw));
    assert_true(rl_password_verify(hash, pw, strlen(pw)));
    assert_false(rl_password_verify(hash, "correct horse battery!", 22));
    assert_false(rl_password_verify(hash, "correct horse batter", 20));
    assert_false(rl_password_needs_rehash(hash));
    /* the same password hashes differently (a new salt each time) */
    char again[RL_PASSWORD_HASH_SIZE];
    assert_int_equal(rl_password_hash(pw, strlen(pw), again, &err), 0);
    assert_string_not_equal(hash, again);
    assert_true(rl_password_verify(again, pw, strlen(pw)));
}

static void
test_hash_refuses_a_weak_password(void **state)
{
    (void)state;
    char hash[RL_PASSWORD_HASH_SIZE] = "";
    rl_err_t err = {{0}};
    assert_int_equal(rl_password_hash("short", 5, hash, &err), -1);
    assert_string_equal(err.msg, "the password is too short: at least 12 characters");
    assert_string_equal(hash, "");
}

static void
test_malformed_hash_never_matches(void **state)
{
    (void)state;
    const char *pw = "correct horse battery";
    assert_false(rl_password_verify("", pw, strlen(pw)));
    assert_false(rl_password_verify("$argon2id$v=19$m=65536,t=2,p=1$garbage", pw, strlen(pw)));
    assert_false(rl_password_verify(pw, pw, strlen(pw)));
    assert_true(rl_password_needs_rehash("not a hash"));
    char long_hash[RL_PASSWORD_HASH_SIZE + 10];
    memset(long_hash, 'x', sizeof long_hash - 1);
    long_hash[sizeof long_hash - 1] = '\0';
    assert_false(rl_password_verify(long_hash, pw, strlen(pw)));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_hash_and_verify),
        cmocka_unit_test(test_hash_refuses_a_weak_password),
        cmocka_unit_test(test_malformed_hash_never_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

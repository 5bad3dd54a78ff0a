/* Unit tests of the reader's identity (audit.h): $SUDO_USER before $USER
 * (the person behind sudo, not root), empty variables skipped, the passwd
 * name of the real uid when neither is set, long names cut, and a copy
 * that does not change with the environment. Writing the access log is
 * covered by the integration tests (a real database). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <unistd.h>

#include <cmocka.h>

#include "ruglab/audit.h"

static void
s_env(const char *sudo_user, const char *user)
{
    if (sudo_user)
        setenv("SUDO_USER", sudo_user, 1);
    else
        unsetenv("SUDO_USER");
    if (user)
        setenv("USER", user, 1);
    else
        unsetenv("USER");
}

static void
test_sudo_user_first(void **state)
{
    (void)state;
    s_env("alice", "root");
    assert_string_equal(rl_audit_reader(), "alice");
}

static void
test_user_when_no_sudo(void **state)
{
    (void)state;
    s_env(NULL, "bob");
    assert_string_equal(rl_audit_reader(), "bob");
    s_env("", "bob");
    assert_string_equal(rl_audit_reader(), "bob");
}

static void
test_passwd_name_last(void **state)
{
    (void)state;
    s_env(NULL, "");
    struct passwd *pw = getpwuid(getuid());
    char want[64];
    if (pw)
        snprintf(want, sizeof want, "%s", pw->pw_name);
    else
        snprintf(want, sizeof want, "uid %u", (unsigned)getuid());
    assert_string_equal(rl_audit_reader(), want);
}

static void
test_copy_and_cut(void **state)
{
    (void)state;
    s_env("carol", NULL);
    const char *r = rl_audit_reader();
    s_env("dave", NULL);
    assert_string_equal(r, "carol"); /* a copy: not the environment's */
    char long_name[400];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    s_env(long_name, NULL);
    assert_int_equal(strlen(rl_audit_reader()), 255);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sudo_user_first),
        cmocka_unit_test(test_user_when_no_sudo),
        cmocka_unit_test(test_passwd_name_last),
        cmocka_unit_test(test_copy_and_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

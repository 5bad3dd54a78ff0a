/* Configuration files: defaults, values, and the errors a hospital's IT
 * administrator sees for a wrong file (naming file and line). */
#include "ruglab/config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static const rl_cfg_key_t s_schema[] = {
    {"collector", "listen", RL_CFG_STRING, "tcp://*:7710", 0, 0, "endpoint"},
    {"collector", "batch_max", RL_CFG_INT, "500", 1, 100000, "messages per transaction"},
    {"collector", "curve", RL_CFG_BOOL, "true", 0, 0, "encryption"},
    {"collector", "flush_ms", RL_CFG_DOUBLE, "5", 0.1, 1000, "flush interval"},
    {"log", "level", RL_CFG_STRING, "info", 0, 0, "log level"},
    {NULL, NULL, 0, NULL, 0, 0, NULL},
};

static char *
s_file(const char *text)
{
    static char path[64];
    strcpy(path, "/tmp/ruglab-config-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void
test_defaults_and_values(void **state)
{
    (void)state;
    rl_err_t err;
    rl_config_t *c = rl_config_load(s_schema, NULL, &err);
    assert_non_null(c);
    assert_string_equal(rl_config_str(c, "collector", "listen"), "tcp://*:7710");
    assert_int_equal(rl_config_int(c, "collector", "batch_max"), 500);
    assert_true(rl_config_bool(c, "collector", "curve"));
    rl_config_destroy(&c);
    assert_null(c);

    char *path = s_file("# comment\n[collector]\nbatch_max = 64\ncurve = no\n"
                        "flush_ms = 2.5\n\n[log]\nlevel = debug\n");
    c = rl_config_load(s_schema, path, &err);
    unlink(path);
    assert_non_null(c);
    assert_int_equal(rl_config_int(c, "collector", "batch_max"), 64);
    assert_false(rl_config_bool(c, "collector", "curve"));
    assert_true(rl_config_double(c, "collector", "flush_ms") == 2.5);
    assert_string_equal(rl_config_str(c, "log", "level"), "debug");
    assert_string_equal(rl_config_str(c, "collector", "listen"), "tcp://*:7710");
    assert_int_equal(rl_config_set(c, "collector", "batch_max", "7", &err), 0);
    assert_int_equal(rl_config_int(c, "collector", "batch_max"), 7);
    assert_int_equal(rl_config_set(c, "collector", "batch_max", "0", &err), -1);
    rl_config_destroy(&c);
}

static void
s_expect_error(const char *text, const char *expected)
{
    rl_err_t err;
    char *path = s_file(text);
    rl_config_t *c = rl_config_load(s_schema, path, &err);
    assert_null(c);
    char want[256];
    snprintf(want, sizeof want, "%s:%s", path, expected);
    unlink(path);
    if (!strstr(err.msg, want))
        fail_msg("error '%s' does not contain '%s'", err.msg, want);
}

static void
test_errors_name_file_and_line(void **state)
{
    (void)state;
    s_expect_error("[collector]\nbatch_max = 5\nbatchmax = 6\n",
                   "3: unknown key 'batchmax' in [collector]");
    s_expect_error("[collector]\n\nbatch_max = lots\n",
                   "3: batch_max in [collector]: 'lots' is not a whole number");
    s_expect_error("[collector]\nbatch_max = 0\n",
                   "2: batch_max in [collector]: 0 is out of range");
    s_expect_error("[collector]\ncurve = maybe\n", "2: curve in [collector]: 'maybe' is not true");
    s_expect_error("[collector]\nthis line is wrong\n", "2: not a 'key = value' line");
    s_expect_error("[nosuch]\nlisten = x\n", "2: unknown key 'listen' in [nosuch]");
}

static void
test_missing_file(void **state)
{
    (void)state;
    rl_err_t err;
    assert_null(rl_config_load(s_schema, "/nonexistent/ruglab.conf", &err));
    assert_non_null(strstr(err.msg, "cannot read configuration /nonexistent/ruglab.conf"));
}

static void
test_example_lists_every_key(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rl_config_write_example(s_schema, "test", f);
    fclose(f);
    assert_non_null(strstr(buf, "[collector]\n# endpoint\nlisten = tcp://*:7710\n"));
    assert_non_null(strstr(buf, "[log]\n# log level\nlevel = info\n"));
    free(buf);
}

/* A key set twice, a value that is not UTF-8 or holds a control character:
 * refused, naming the line (a collector name of Latin-1 bytes used to reach
 * the database and fail every batch). */
static void
test_duplicates_and_bad_text(void **state)
{
    (void)state;
    rl_err_t err;
    char *path = s_file("[collector]\nbatch_max = 64\nlisten = a\nbatch_max = 65\n");
    rl_config_t *c = rl_config_load(s_schema, path, &err);
    unlink(path);
    assert_null(c);
    assert_non_null(strstr(err.msg, ":4: batch_max in [collector] is set twice (first on line 2)"));
    path = s_file("[log]\nlevel = caf\xe9\n");
    c = rl_config_load(s_schema, path, &err);
    unlink(path);
    assert_null(c);
    assert_non_null(strstr(err.msg, ":2: level in [log]: the value is not valid UTF-8 (byte 4)"));
    path = s_file("[log]\nlevel = d\x01x\n");
    c = rl_config_load(s_schema, path, &err);
    unlink(path);
    assert_null(c);
    assert_non_null(strstr(err.msg, "control character"));
    path = s_file("[log]\nlevel = Noëlle\n");
    c = rl_config_load(s_schema, path, &err);
    unlink(path);
    assert_non_null(c);
    assert_string_equal(rl_config_str(c, "log", "level"), "Noëlle");
    rl_config_destroy(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_values),
        cmocka_unit_test(test_errors_name_file_and_line),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_example_lists_every_key),
        cmocka_unit_test(test_duplicates_and_bad_text),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}

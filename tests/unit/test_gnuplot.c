/* Unit tests of the gnuplot runner (gnuplot.h): the error line picked from
 * gnuplot's output, and real short runs of /bin/sh standing in for gnuplot
 * (exit 0 with the output in the log, a failure with its line, a signal,
 * a program that is missing or not executable, a hang stopped by the time
 * limit, stdin that never blocks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ruglab/clock.h"
#include "ruglab/gnuplot.h"
#include "ruglab/mem.h"

static char s_dir[] = "/tmp/ruglab-test-gnuplot.XXXXXX";

static int
s_setup(void **state)
{
    (void)state;
    return mkdtemp(s_dir) ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void)state;
    static const char *const files[] = {"script.sh", "log", "plain"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *p = rl_asprintf("%s/%s", s_dir, files[i]);
        unlink(p);
        free(p);
    }
    return rmdir(s_dir);
}

/* Writes body as the script and runs it with /bin/sh as gnuplot. */
static int
s_run(const char *body, int timeout_ms, rl_err_t *err)
{
    char *script = rl_asprintf("%s/script.sh", s_dir);
    char *log = rl_asprintf("%s/log", s_dir);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fputs(body, f);
    assert_int_equal(fclose(f), 0);
    err->msg[0] = '\0';
    int rc = rl_gnuplot_run("/bin/sh", script, log, timeout_ms, err);
    free(script);
    free(log);
    return rc;
}

static char *
s_log(void)
{
    char *path = rl_asprintf("%s/log", s_dir);
    FILE *f = fopen(path, "r");
    free(path);
    assert_non_null(f);
    char *text = rl_calloc(1, 1 << 20);
    size_t n = fread(text, 1, (1 << 20) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void
s_log_is(const char *want)
{
    char *text = s_log();
    assert_string_equal(text, want);
    free(text);
}

static void
test_error_line(void **state)
{
    (void)state;
    char line[64];
    rl_gnuplot_error_line("", line, sizeof line);
    assert_string_equal(line, "");
    /* gnuplot 5: the statement, a caret marker, then the error */
    rl_gnuplot_error_line("         plot foo\n              ^\n"
                          "\"/tmp/x/charts.gp\" line 12: undefined variable: foo\n\n",
                          line, sizeof line);
    assert_string_equal(line, "\"/tmp/x/charts.gp\" line 12: undefined variable: foo");
    rl_gnuplot_error_line("line 3: unknown terminal type\n", line, sizeof line);
    assert_string_equal(line, "line 3: unknown terminal type");
    rl_gnuplot_error_line("warming up\nFatal error: no memory\nafter\n", line, sizeof line);
    assert_string_equal(line, "Fatal error: no memory");
    /* nothing that names an error: the last meaningful line, CR dropped */
    rl_gnuplot_error_line("first\r\nsecond\r\n   ^\n  \n", line, sizeof line);
    assert_string_equal(line, "second");
    rl_gnuplot_error_line("last line without a newline", line, sizeof line);
    assert_string_equal(line, "last line without a newline");
    /* cut to fit */
    rl_gnuplot_error_line("line 1: 0123456789", line, 8);
    assert_string_equal(line, "line 1:");
}

static void
test_success_keeps_output_in_log(void **state)
{
    (void)state;
    rl_err_t err;
    assert_int_equal(s_run("echo to stdout\necho to stderr >&2\nexit 0\n", 10000, &err), 0);
    s_log_is("to stdout\nto stderr\n");
}

static void
test_failure_says_the_line(void **state)
{
    (void)state;
    rl_err_t err;
    assert_int_equal(s_run("echo '         set terminal foo' >&2\necho '                  ^' >&2\n"
                           "echo '\"charts.gp\" line 3: unknown terminal type' >&2\nexit 1\n",
                           10000, &err),
                     -1);
    assert_string_equal(err.msg, "gnuplot failed (status 1): \"charts.gp\" line 3: unknown "
                                 "terminal type");
    assert_int_equal(s_run("exit 4\n", 10000, &err), -1);
    assert_string_equal(err.msg, "gnuplot failed (status 4)");
}

static void
test_killed_by_signal(void **state)
{
    (void)state;
    rl_err_t err;
    assert_int_equal(s_run("kill -9 $$\n", 10000, &err), -1);
    assert_string_equal(err.msg, "gnuplot was killed by signal 9");
}

static void
test_missing_or_not_executable(void **state)
{
    (void)state;
    rl_err_t err;
    assert_int_equal(rl_gnuplot_run("/nonexistent/gnuplot", "x.gp", NULL, 1000, &err), -1);
    assert_string_equal(err.msg, "gnuplot not found (install gnuplot-nox)");
    char *plain = rl_asprintf("%s/plain", s_dir);
    FILE *f = fopen(plain, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(chmod(plain, 0600), 0);
    /* without any x bit, not even root may run it */
    assert_int_equal(rl_gnuplot_run(plain, "x.gp", NULL, 1000, &err), -1);
    assert_string_equal(err.msg, "cannot start gnuplot: Permission denied");
    free(plain);
}

static void
test_hang_is_stopped(void **state)
{
    (void)state;
    rl_err_t err;
    int64_t t0 = rl_clock_mono_ms();
    assert_int_equal(s_run("echo started\nexec sleep 30\n", 200, &err), -1);
    assert_true(rl_clock_mono_ms() - t0 < 10000);
    assert_string_equal(err.msg, "gnuplot did not finish within 0.2 s and was stopped");
    s_log_is("started\n");
}

static void
test_stdin_is_empty(void **state)
{
    (void)state;
    rl_err_t err;
    assert_int_equal(s_run("read x\necho \"[$x]\"\n", 10000, &err), 0);
    s_log_is("[]\n");
}

static void
test_long_output(void **state)
{
    (void)state;
    /* more output than the runner keeps for the error line: all in the log */
    rl_err_t err;
    assert_int_equal(s_run("i=0\nwhile [ $i -lt 5000 ]; do echo 0123456789; i=$((i+1)); done\n"
                           "echo 'line 9: too much' >&2\nexit 2\n",
                           10000, &err),
                     -1);
    assert_string_equal(err.msg, "gnuplot failed (status 2): 0123456789");
    char *text = s_log();
    assert_int_equal(strlen(text), 5000 * 11 + strlen("line 9: too much\n"));
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_line),
        cmocka_unit_test(test_success_keeps_output_in_log),
        cmocka_unit_test(test_failure_says_the_line),
        cmocka_unit_test(test_killed_by_signal),
        cmocka_unit_test(test_missing_or_not_executable),
        cmocka_unit_test(test_hang_is_stopped),
        cmocka_unit_test(test_stdin_is_empty),
        cmocka_unit_test(test_long_output),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}

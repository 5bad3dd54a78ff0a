/* The file-drop driver with a real spool in a temporary directory: a
 * good file is spooled and moved to done/, a bad one to rejected/ with its
 * reason, a .tmp file is left alone, and a crash in the middle of a file
 * (some of its measurements spooled, the file not yet moved) resumes
 * without repeating or losing a measurement. */
#include "../../services/agent/agent_config.h"
#include "../../services/agent/agent_driver.h"
#include "../../services/agent/agent_spool.h"

#include "ruglab/log.h"
#include "rmtree.h"

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

static char s_root[64];
static char s_drop[128];
static char s_spool[128];

#define C                                                                                          \
    "\"session_id\": \"s1\", \"patient_token\": \"RB-0001\", \"taken_at\": "                       \
    "\"2026-11-23T10:00:00Z\""

static int
s_setup(void **state)
{
    (void)state;
    strcpy(s_root, "/tmp/ruglab-filedrop-XXXXXX");
    assert_non_null(mkdtemp(s_root));
    snprintf(s_drop, sizeof s_drop, "%s/drop", s_root);
    snprintf(s_spool, sizeof s_spool, "%s/spool", s_root);
    assert_int_equal(mkdir(s_drop, 0700), 0);
    rl_log_init("test_agent_filedrop", RL_LOG_ERROR);
    return 0;
}

static int
s_teardown(void **state)
{
    (void)state;
    t_rmtree(s_root);
    return 0;
}

static void
s_write(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", s_drop, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static bool
s_exists(const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", s_drop, rel);
    return access(path, F_OK) == 0;
}

static char *
s_read(const char *rel)
{
    static char buf[1024];
    char path[256];
    snprintf(path, sizeof path, "%s/%s", s_drop, rel);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

typedef struct {
    rl_config_t *cfg;
    agent_spool_t *spool;
    void *drv;
} s_agent_t;

static void
s_start(s_agent_t *a)
{
    rl_err_t err;
    a->cfg = rl_config_load(agent_config_schema, NULL, &err);
    assert_non_null(a->cfg);
    assert_int_equal(rl_config_set(a->cfg, "filedrop", "dir", s_drop, &err), 0);
    assert_int_equal(rl_config_set(a->cfg, "filedrop", "poll_ms", "10", &err), 0);
    agent_spool_opts_t so = {1 << 20, 1 << 16, NULL};
    a->spool = agent_spool_open(s_spool, &so, &err);
    assert_non_null(a->spool);
    agent_driver_env_t env = {a->cfg, "device test", a->spool, false};
    a->drv = agent_driver_filedrop.open(&env, false, &err);
    if (!a->drv)
        fail_msg("open: %s", err.msg);
}

static void
s_stop(s_agent_t *a)
{
    agent_driver_filedrop.close(a->drv);
    agent_spool_close(&a->spool);
    rl_config_destroy(&a->cfg);
}

/* Takes up to max measurements into the spool, as the agent's main loop
 * does, until the driver has nothing more; synced() only when told (false:
 * a crash before it). Returns how many were spooled. */
static int
s_take(s_agent_t *a, int max, bool sync)
{
    int n = 0;
    while (n < max) {
        rl_msg_t m;
        rl_msg_init(&m);
        int wait;
        rl_err_t err;
        uint64_t mark = 0;
        int rc = agent_driver_filedrop.next(a->drv, &m, &mark, &wait, &err);
        assert_int_not_equal(rc, AGENT_DRV_ERROR);
        if (rc == AGENT_DRV_MSG) {
            snprintf(m.device_id, sizeof m.device_id, "dev-1");
            assert_int_equal(agent_spool_append(a->spool, &m, mark, &err), 0);
            n++;
            rl_msg_clear(&m);
            continue;
        }
        rl_msg_clear(&m);
        break; /* nothing more now (the driver never blocks) */
    }
    rl_err_t err;
    assert_int_equal(agent_spool_sync(a->spool, &err), 0);
    if (sync)
        agent_driver_filedrop.synced(a->drv);
    return n;
}

static void
test_good_bad_and_unfinished_files(void **state)
{
    (void)state;
    s_write("a.json",
            "[{\"type\": \"session_start\", " C ", \"kind\": \"test\"},\n"
            " {\"type\": \"test_result\", " C ", \"direction\": \"flexion\", \"trial\": 1}]");
    s_write("b.json",
            "{\"type\": \"test_result\", " C ",\n \"direction\": \"flexion\" \"trial\": 1}");
    s_write("c.json", "[{\"type\": \"session_end\", " C "},\n"
                      " {\"type\": \"test_result\", " C ", \"direction\": \"up\", \"trial\": 1}]");
    s_write("d.tmp", "[{\"type\": ");
    s_agent_t a;
    s_start(&a);
    assert_int_equal(s_take(&a, 10, true), 2);
    assert_true(s_exists("done/a.json"));
    assert_false(s_exists("a.json"));
    assert_int_equal(agent_spool_depth(a.spool), 2);
    /* the same name again goes beside the first */
    s_write("a.json", "{\"type\": \"session_end\", " C "}");
    assert_int_equal(s_take(&a, 10, true), 1);
    assert_true(s_exists("done/a.1.json"));
    /* the bad ones are rejected on the next scan */
    assert_int_equal(s_take(&a, 10, true), 0);
    assert_true(s_exists("rejected/b.json"));
    assert_true(s_exists("rejected/c.json"));
    assert_non_null(strstr(s_read("rejected/b.reason"), "b.json: line 2, column"));
    assert_non_null(strstr(s_read("rejected/c.reason"), "c.json: measurement 2 of 2: field "
                                                        "'direction'"));
    assert_true(s_exists("d.tmp"));
    assert_int_equal(agent_spool_depth(a.spool), 3);
    s_stop(&a);
}

static void
test_crash_in_the_middle_of_a_file(void **state)
{
    (void)state;
    char text[4096] = "[";
    for (int i = 1; i <= 5; i++) {
        char one[256];
        snprintf(one, sizeof one,
                 "%s{\"type\": \"test_result\", " C
                 ", \"direction\": \"extension\", \"trial\": %d}",
                 i > 1 ? ",\n" : "", i);
        strcat(text, one);
    }
    strcat(text, "]");
    s_write("x.json", text);
    s_agent_t a;
    s_start(&a);
    /* Three of five spooled, then the agent dies before moving the file. */
    assert_int_equal(s_take(&a, 3, false), 3);
    assert_true(s_exists("x.json"));
    s_stop(&a);

    s_start(&a);
    assert_int_equal(agent_spool_depth(a.spool), 3);
    assert_int_equal(s_take(&a, 10, true), 2); /* only the two missing ones */
    assert_true(s_exists("done/x.json"));
    assert_int_equal(agent_spool_depth(a.spool), 5);
    /* trials 1..5, each once */
    agent_spool_rec_t rec;
    uint64_t after = 0;
    uint32_t seen = 0;
    while (agent_spool_next(a.spool, after, &rec) == 1) {
        uint8_t *buf;
        size_t len;
        rl_err_t err;
        assert_int_equal(agent_spool_read(a.spool, rec.seq, &buf, &len, &err), 0);
        rl_msg_t m;
        rl_reason_t reason;
        assert_int_equal(rl_wire_decode(buf, len, &m, &reason, &err), 0);
        free(buf);
        assert_false(seen & (1u << m.u.test_result.trial));
        seen |= 1u << m.u.test_result.trial;
        rl_msg_clear(&m);
        after = rec.seq;
    }
    assert_int_equal(seen, 0x3e);
    s_stop(&a);

    /* All spooled but not moved: the restart only moves it. */
    s_write("y.json", "{\"type\": \"session_end\", " C "}");
    s_start(&a);
    assert_int_equal(s_take(&a, 1, false), 1);
    s_stop(&a);
    s_start(&a);
    assert_true(s_exists("done/y.json"));
    assert_int_equal(agent_spool_depth(a.spool), 6);
    assert_int_equal(s_take(&a, 10, true), 0);
    s_stop(&a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good_bad_and_unfinished_files, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_crash_in_the_middle_of_a_file, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

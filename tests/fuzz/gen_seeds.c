/* Writes the seed corpus of fuzz_decode: one valid Envelope of every body
 * type (built with the wire module), into the directory given. Run by
 * `make fuzz-seeds`; the seeds are committed under tests/fuzz/corpus/. */
#include "ruglab/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_write(const char *dir, const char *name, rl_msg_t *m)
{
    uint8_t *buf;
    size_t len;
    rl_err_t err;
    if (rl_wire_encode(m, &buf, &len, &err) != 0) {
        fprintf(stderr, "gen_seeds: %s: %s\n", name, err.msg);
        exit(1);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    free(buf);
    rl_msg_clear(m);
}

static void
s_header(rl_msg_t *m, rl_body_kind_t kind)
{
    rl_msg_init(m);
    strcpy(m->device_id, "tergumed-01");
    m->boot_id = 3;
    m->seq = 41;
    m->taken_at_us = 1795000000000000ll;
    strcpy(m->session_id, "s-0001");
    strcpy(m->patient_token, "RB-7K3M-9QXT");
    m->kind = kind;
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_seeds DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    rl_msg_t m;
    s_header(&m, RL_BODY_HELLO);
    strcpy(m.u.hello.device_model, "tergumed-710");
    s_write(dir, "hello", &m);
    s_header(&m, RL_BODY_HEARTBEAT);
    m.u.heartbeat.spool_depth = 12;
    s_write(dir, "heartbeat", &m);
    s_header(&m, RL_BODY_SESSION_START);
    m.u.session_start.kind = RL_SESSION_TEST;
    s_write(dir, "session_start", &m);
    s_header(&m, RL_BODY_SESSION_END);
    m.u.session_end.duration_s = 7200;
    s_write(dir, "session_end", &m);
    s_header(&m, RL_BODY_TEST_RESULT);
    m.u.test_result = (rl_test_result_t){RL_DIR_EXTENSION, 1, 42.5f, 180.0f, 12.0f};
    s_write(dir, "test_result", &m);
    s_header(&m, RL_BODY_TRAINING_SET);
    m.u.training_set = (rl_training_set_t){RL_DIR_FLEXION, 1, 60, 50, 12, -5, 40, 45};
    s_write(dir, "training_set", &m);
    s_header(&m, RL_BODY_SAMPLE_BATCH);
    rl_msg_samples_alloc(&m, 8);
    m.u.sample_batch.direction = RL_DIR_ROTATION_LEFT;
    m.u.sample_batch.context = RL_CONTEXT_TEST_TRIAL;
    m.u.sample_batch.sample_rate_hz = 100;
    for (int i = 0; i < 8; i++) {
        m.u.sample_batch.angle_deg[i] = (float)i;
        m.u.sample_batch.torque_nm[i] = (float)(i * 10);
    }
    s_write(dir, "sample_batch", &m);
    s_header(&m, RL_BODY_QUESTIONNAIRE);
    strcpy(m.u.questionnaire.instrument, "ODI");
    strcpy(m.u.questionnaire.version, "2.1a");
    rl_msg_answers_alloc(&m, 10);
    for (int i = 0; i < 10; i++)
        m.u.questionnaire.answers[i] = (rl_item_answer_t){(uint32_t)i + 1, i % 6, ""};
    s_write(dir, "questionnaire", &m);
    s_header(&m, RL_BODY_ACKS);
    rl_msg_acks_alloc(&m, 2);
    m.u.acks.acks[0] = (rl_ack_t){3, 41, RL_ACK_ACCEPTED, RL_REASON_NONE, ""};
    m.u.acks.acks[1] = (rl_ack_t){3, 42, RL_ACK_REJECTED, RL_REASON_OUT_OF_RANGE, "rom"};
    s_write(dir, "acks", &m);
    return 0;
}

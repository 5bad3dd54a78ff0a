/* libFuzzer harness: the exercise catalogue's file (exercise.h), which a
 * site edits by hand. It may refuse a file, never crash, leak or read out
 * of bounds; what it accepts holds as many texts in each language. */
#include "ruglab/exercise.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rl_ex_catalogue_t cat;
    rl_err_t err;
    if (rl_exercise_parse("fuzz.json", (const char *)data, size, &cat, &err) == 0) {
        for (size_t i = 0; i < cat.n; i++) {
            const rl_exercise_t *e = &cat.items[i];
            if (e->steps.n == 0 || strlen(e->code) == 0)
                abort();
            for (size_t j = 0; j < e->steps.n; j++)
                if (!e->steps.item[RL_EX_NL][j] || !e->steps.item[RL_EX_EN][j])
                    abort();
            for (size_t j = 0; j < e->n_variants; j++)
                if (e->variants[j].level == 0)
                    abort();
        }
        rl_exercise_catalogue_free(&cat);
    } else if (!memchr(err.msg, '\n', strnlen(err.msg, sizeof err.msg))) {
        /* a refusal is one line */
    } else {
        abort();
    }
    return 0;
}

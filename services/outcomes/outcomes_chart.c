/* Charts with gnuplot (placeholder until the chart commands land). */
#include "outcomes.h"

#include "ruglab/exitcode.h"

int
outcomes_chart_main(outcomes_ctx_t *ctx, int argc, char **argv)
{
    (void)ctx;
    (void)argc;
    (void)argv;
    outcomes_fail("chart: not available yet");
    return RL_EXIT_FAIL;
}

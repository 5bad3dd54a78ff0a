/* Exit codes shared by every ruglab program, so that scripts can rely on
 * them (documented in the README and each program's --help). */
#ifndef RUGLAB_EXITCODE_H
#define RUGLAB_EXITCODE_H

enum {
    RL_EXIT_OK = 0,     /* done */
    RL_EXIT_FAIL = 1,   /* refused or failed: invalid input, a rule, not found */
    RL_EXIT_USAGE = 2,  /* wrong command-line arguments */
    RL_EXIT_DB = 3,     /* database unreachable or a database error */
    RL_EXIT_CONFIG = 4, /* configuration file invalid */
};

#endif

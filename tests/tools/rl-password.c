/* rl-password: a test-only check of a stored password hash with the shared
 * password module, as the web's sign-in will do it:
 *
 *   rl-password verify HASH     reads one line (the password) from stdin
 *
 * Exits 0 when the password matches, 1 when it does not, 2 on a usage
 * error. Prints nothing. Not installed; not a product. */
#include "ruglab/password.h"

#include <stdio.h>
#include <string.h>

int
main(int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "verify") != 0) {
        fprintf(stderr, "usage: rl-password verify HASH < password\n");
        return 2;
    }
    char pw[RL_PASSWORD_MAX_BYTES + 3];
    if (!fgets(pw, sizeof pw, stdin))
        return 1;
    size_t len = strcspn(pw, "\n");
    return rl_password_verify(argv[2], pw, len) ? 0 : 1;
}

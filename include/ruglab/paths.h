/* Where ruglab finds its files: the migrations, the local cluster's
 * connection string. A binary run from a source checkout (build/bin/...)
 * finds them in the checkout; an installed one in RL_DATADIR. Caller owns
 * every returned string. */
#ifndef RUGLAB_PATHS_H
#define RUGLAB_PATHS_H

#include "ruglab/err.h"

#include <sys/types.h>

/* The source checkout this binary lives in (found by walking up from
 * /proc/self/exe to a directory holding proto/ruglab.proto), or NULL. */
char *rl_paths_source_root(void);

/* The migrations directory: flag if set, else $RUGLAB_SQL_DIR, else the
 * checkout's deploy/sql, else RL_DATADIR/sql. Never NULL. */
char *rl_paths_sql_dir(const char *flag);

/* A shared data file or directory by relative name ("reference/x.csv"):
 * the checkout's deploy/<rel> if it exists, else RL_DATADIR/<rel>. */
char *rl_paths_data(const char *rel);

/* The local cluster's connection string file (var/local-db.conninfo in
 * the checkout), or NULL outside a checkout. */
char *rl_paths_local_conninfo(void);

/* The executable name as found on $PATH (like `command -v`), or NULL.
 * Caller owns. */
char *rl_paths_which(const char *name);

/* Makes dir and its missing parents (mode for the ones it creates, like
 * `mkdir -p -m`). Returns 0, or -1 with errno set and err naming the
 * directory that could not be made. */
int rl_paths_mkdirs(const char *dir, mode_t mode, rl_err_t *err)
    __attribute__((warn_unused_result));

/* Checks a secret key file before it is read: it must be a regular file
 * this process can open, readable and writable by its owner only (like ssh
 * refuses a private key others can read). Returns 0, or -1 with err saying
 * why: the system's reason (errno) when it cannot be opened, or its mode
 * and the chmod that fixes it. Never suggests making a new key: devices
 * trust the key they have. */
int rl_paths_check_secret(const char *path, rl_err_t *err) __attribute__((warn_unused_result));

/* A new private working directory $TMPDIR/<prefix>.XXXXXX (/tmp when
 * TMPDIR is unset), mode 0700. NULL with err "cannot create a working
 * directory DIR: REASON". Caller owns; remove it with rl_paths_rmdir. */
char *rl_paths_workdir(const char *prefix, rl_err_t *err) __attribute__((warn_unused_result));
/* Removes the files of a working directory (one level, no subfolders)
 * and the directory, then frees dir. NULL is ignored. */
void rl_paths_rmdir(char *dir);
/* The whole content of a file (caller frees), NULL with errno set. */
unsigned char *rl_paths_read_file(const char *path, size_t *len);

#endif

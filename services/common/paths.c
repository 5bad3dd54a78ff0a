/* File locations for checkouts and installed systems (see paths.h). */
#include "ruglab/paths.h"

#include "ruglab/mem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef RL_DATADIR
#define RL_DATADIR "/usr/local/share/ruglab"
#endif

char *
rl_paths_source_root(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    /* build/bin/x, build/san/bin/x, build/tests/x: at most 4 levels up. */
    for (int level = 0; level < 4; level++) {
        char *slash = strrchr(exe, '/');
        if (!slash || slash == exe)
            return NULL;
        *slash = '\0';
        char *probe = rl_asprintf("%s/proto/ruglab.proto", exe);
        int found = access(probe, R_OK) == 0;
        free(probe);
        if (found)
            return rl_strdup(exe);
    }
    return NULL;
}

char *
rl_paths_data(const char *rel)
{
    char *root = rl_paths_source_root();
    if (root) {
        char *p = rl_asprintf("%s/deploy/%s", root, rel);
        free(root);
        if (access(p, F_OK) == 0)
            return p;
        free(p);
    }
    return rl_asprintf("%s/%s", RL_DATADIR, rel);
}

char *
rl_paths_sql_dir(const char *flag)
{
    if (flag && *flag)
        return rl_strdup(flag);
    const char *env = getenv("RUGLAB_SQL_DIR");
    if (env && *env)
        return rl_strdup(env);
    return rl_paths_data("sql");
}

char *
rl_paths_local_conninfo(void)
{
    char *root = rl_paths_source_root();
    if (!root)
        return NULL;
    char *p = rl_asprintf("%s/var/local-db.conninfo", root);
    free(root);
    return p;
}

char *
rl_paths_which(const char *name)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        return NULL;
    char *copy = rl_strdup(path);
    char *save = NULL, *found = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *p = rl_asprintf("%s/%s", *d ? d : ".", name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0) {
            found = p;
            break;
        }
        free(p);
    }
    free(copy);
    return found;
}

int
rl_paths_mkdirs(const char *dir, mode_t mode, rl_err_t *err)
{
    char *path = rl_strdup(dir);
    int rc = 0;
    for (char *p = path + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(path, mode) != 0 && errno != EEXIST) {
                int e = errno;
                rl_err_set(err, "cannot create directory %s: %s", path, strerror(e));
                errno = e;
                rc = -1;
                break;
            }
            *p = c;
            if (!c)
                break;
        }
    }
    free(path);
    return rc;
}

int
rl_paths_check_secret(const char *path, rl_err_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0 && errno == ELOOP)
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a symlink: judge its target */
    if (fd < 0)
        return rl_err_set(err, "cannot read key file %s: %s", path, strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st))
        rc = rl_err_set(err, "cannot read key file %s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = rl_err_set(err, "key file %s is not a regular file", path);
    else if (st.st_mode & 077)
        rc = rl_err_set(err,
                        "key file %s is readable by others (mode %04o): a secret key must be "
                        "private to its owner; fix it with chmod 600 %s",
                        path, (unsigned)(st.st_mode & 07777), path);
    close(fd);
    return rc;
}

char *
rl_paths_workdir(const char *prefix, rl_err_t *err)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = rl_asprintf("%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
    if (!mkdtemp(dir)) {
        rl_err_set(err, "cannot create a working directory %s: %s", dir, strerror(errno));
        free(dir);
        return NULL;
    }
    return dir;
}

void
rl_paths_rmdir(char *dir)
{
    if (!dir)
        return;
    DIR *dp = opendir(dir);
    if (dp) {
        struct dirent *e;
        while ((e = readdir(dp)))
            if (e->d_name[0] != '.') {
                char *p = rl_asprintf("%s/%s", dir, e->d_name);
                unlink(p);
                free(p);
            }
        closedir(dp);
    }
    rmdir(dir);
    free(dir);
}

unsigned char *
rl_paths_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    unsigned char *buf = rl_malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = rl_realloc(buf, cap *= 2);
    }
    fclose(f);
    *len = n;
    return buf;
}

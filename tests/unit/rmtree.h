/* The tests' `rm -rf` of a scratch folder they made themselves (links are
 * removed, never followed). Header-only: unit tests and fuzz harnesses
 * include it. */
#ifndef RUGLAB_TEST_RMTREE_H
#define RUGLAB_TEST_RMTREE_H

#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

static int
t_rmtree_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline void
t_rmtree(const char *dir)
{
    nftw(dir, t_rmtree_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif

/* The case-mix model that compares sites (issue 15): one model fitted on
 * every row of a measure in the quality tables (start value and change
 * present), least squares for the change or logistic for reaching the
 * important change (MCID), adjusters: the baseline score, the age band's
 * midpoint ('<18' 16, '70+' 75, else the band's middle), sex (F and X
 * against M) and the pain-duration band of quality.casemix (migration 602;
 * dummies against '<3'); a term constant over the rows is left out. Then
 * per site O, E, O-E, O/E, SE and z (stats.h), the Winsorised z and the
 * overdispersion test over the sites of at least min_cell rows, and the
 * funnel's variance and tau^2. Used by ruglab-outcomes (adjusted, funnel,
 * chart adjusted); reads as the connection's role (ruglab_quality). */
#ifndef RUGLAB_CASEMIX_H
#define RUGLAB_CASEMIX_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "ruglab/err.h"
#include "ruglab/stats.h"

#define RL_CASEMIX_TERMS 10

/* The names of the candidate terms, for a coefficient's term index:
 * intercept, baseline, age_mid, sex_f, sex_x, pain_3_5, pain_6_11,
 * pain_12_23, pain_24plus, pain_unknown. */
extern const char *const rl_casemix_terms[RL_CASEMIX_TERMS];

typedef struct {
    bool mcid;
    size_t n;                   /* rows fitted */
    int p;                      /* terms in the model */
    int term[RL_CASEMIX_TERMS]; /* model column -> rl_casemix_terms index */
    rl_stats_fit_t fit;
    double pooled; /* pooled mean change, or pooled proportion reaching the MCID */
    int k;         /* sites, in site-code order */
    char **site;
    rl_stats_group_t *adj; /* per site */
    rl_stats_overdispersion_t od;
    bool od_ok;  /* od computed (2 or more sites of min_cell rows) */
    double *zw;  /* Winsorised z per site (NAN for sites under min_cell) */
    double tau2; /* the limits' widening: od.tau2, or 0 */
    double v;    /* variance of one row under the target (the funnel's curve) */
} rl_casemix_t;

/* Fits the model of measure (mcid: the logistic one). Returns RL_EXIT_OK,
 * RL_EXIT_FAIL (unknown measure, no threshold for mcid, no rows, the fit
 * refused: message in err) or RL_EXIT_DB. *out is to be freed with
 * rl_casemix_free whatever the result. */
int rl_casemix_fit(PGconn *conn, const char *measure, bool mcid, size_t min_cell, rl_casemix_t *out,
                   rl_err_t *err);
void rl_casemix_free(rl_casemix_t *cm);

#endif

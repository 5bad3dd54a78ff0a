/* The final report as a KMEHR message for the eHealthBox: header with the
 * physician as sender and the GP as recipient (hcparty by NIHII/RIZIV
 * number), a folder with the patient by INSZ and one transaction of type
 * "report" carrying the PDF letter as a multimedia link. Written as text
 * with every value escaped; the structure follows the KMEHR 1.x schema
 * (kmehrmessage / header / folder / transaction / lnk). */
#include "report.h"

#include "ruglab/mem.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_NS "http://www.ehealth.fgov.be/standards/kmehr/schema/v1"

typedef struct {
    char *buf;
    size_t len, cap;
} s_out_t;

static void
s_put(s_out_t *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        o->cap = (o->len + n + 1) * 2;
        o->buf = rl_realloc(o->buf, o->cap);
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void
s_puts(s_out_t *o, const char *s)
{
    s_put(o, s, strlen(s));
}

/* Text content, XML-escaped. */
static void
s_text(s_out_t *o, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            s_puts(o, "&lt;");
            break;
        case '>':
            s_puts(o, "&gt;");
            break;
        case '&':
            s_puts(o, "&amp;");
            break;
        case '"':
            s_puts(o, "&quot;");
            break;
        default:
            s_put(o, s, 1);
        }
    }
}

static void
s_elem(s_out_t *o, const char *indent, const char *name, const char *attrs, const char *value)
{
    s_puts(o, indent);
    s_puts(o, "<");
    s_puts(o, name);
    if (attrs) {
        s_puts(o, " ");
        s_puts(o, attrs);
    }
    s_puts(o, ">");
    s_text(o, value);
    s_puts(o, "</");
    s_puts(o, name);
    s_puts(o, ">\n");
}

static void
s_hcparty(s_out_t *o, const char *indent, const char *riziv, const char *given, const char *family,
          const char *text)
{
    char *in2 = rl_asprintf("%s  ", indent);
    s_puts(o, indent);
    s_puts(o, "<hcparty>\n");
    if (riziv)
        s_elem(o, in2, "id", "S=\"ID-HCPARTY\" SV=\"1.0\"", riziv);
    s_elem(o, in2, "cd", "S=\"CD-HCPARTY\" SV=\"1.1\"", "persphysician");
    if (given)
        s_elem(o, in2, "firstname", NULL, given);
    if (family)
        s_elem(o, in2, "familyname", NULL, family);
    if (text)
        s_elem(o, in2, "name", NULL, text);
    s_puts(o, indent);
    s_puts(o, "</hcparty>\n");
    free(in2);
}

/* When the message is written: the site's local time (Europe/Brussels,
 * as the letter's date). */
typedef struct {
    char date[16];  /* YYYY-MM-DD */
    char time[16];  /* HH:MM:SS */
    char stamp[32]; /* the digits of both */
} s_when_t;

static void
s_when(const rpt_model_t *m, s_when_t *w)
{
    const char *now = m->now_local ? m->now_local : "";
    snprintf(w->date, sizeof w->date, "%.10s", now);
    snprintf(w->time, sizeof w->time, "%.8s", strlen(now) >= 19 ? now + 11 : "");
    size_t k = 0;
    for (const char *c = now; *c && k + 1 < sizeof w->stamp; c++)
        if (*c >= '0' && *c <= '9')
            w->stamp[k++] = *c;
    w->stamp[k] = '\0';
}

/* the message's id, date and time, sender (the physician) and recipient
 * (the GP) */
static void
s_header(s_out_t *o, const rpt_model_t *m, const s_when_t *w)
{
    char msg_id[96];
    snprintf(msg_id, sizeof msg_id, "%s.%s.%lld", m->physician_riziv, w->stamp, m->enrolment_id);
    s_puts(o, "  <header>\n");
    s_puts(o, "    <standard>\n");
    s_elem(o, "      ", "cd", "S=\"CD-STANDARD\" SV=\"1.0\"", "20161201");
    s_puts(o, "    </standard>\n");
    s_elem(o, "    ", "id", "S=\"ID-KMEHR\" SV=\"1.0\"", msg_id);
    s_elem(o, "    ", "date", NULL, w->date);
    s_elem(o, "    ", "time", NULL, w->time);
    s_puts(o, "    <sender>\n");
    s_hcparty(o, "      ", m->physician_riziv, NULL, NULL, m->physician_name);
    s_puts(o, "    </sender>\n");
    s_puts(o, "    <recipient>\n");
    s_hcparty(o, "      ", m->gp_riziv, m->gp_given_name, m->gp_family_name, NULL);
    s_puts(o, "    </recipient>\n");
    s_puts(o, "  </header>\n");
}

static void
s_patient(s_out_t *o, const rpt_model_t *m)
{
    s_puts(o, "    <patient>\n");
    s_elem(o, "      ", "id", "S=\"ID-PATIENT\" SV=\"1.0\"", m->insz);
    s_elem(o, "      ", "firstname", NULL, m->given_name);
    s_elem(o, "      ", "familyname", NULL, m->family_name);
    s_puts(o, "      <birthdate>\n");
    s_elem(o, "        ", "date", NULL, m->date_of_birth);
    s_puts(o, "      </birthdate>\n");
    s_puts(o, "      <sex>\n");
    s_elem(o, "        ", "cd", "S=\"CD-SEX\" SV=\"1.1\"",
           !strcmp(m->sex, "M")   ? "male"
           : !strcmp(m->sex, "F") ? "female"
                                  : "undefined");
    s_puts(o, "      </sex>\n");
    s_puts(o, "    </patient>\n");
}

/* the report: author, status, title and the PDF as a multimedia link */
static void
s_transaction(s_out_t *o, const rpt_model_t *m, const s_when_t *w, const unsigned char *pdf,
              size_t pdf_len, bool en, bool draft)
{
    s_puts(o, "    <transaction>\n");
    s_elem(o, "      ", "id", "S=\"ID-KMEHR\" SV=\"1.0\"", "1");
    s_elem(o, "      ", "cd", "S=\"CD-TRANSACTION\" SV=\"1.4\"", "report");
    s_elem(o, "      ", "date", NULL, w->date);
    s_elem(o, "      ", "time", NULL, w->time);
    s_puts(o, "      <author>\n");
    s_hcparty(o, "        ", m->physician_riziv, NULL, NULL, m->physician_name);
    s_puts(o, "      </author>\n");
    s_elem(o, "      ", "iscomplete", NULL, "true");
    s_elem(o, "      ", "isvalidated", NULL, draft ? "false" : "true");
    char *title =
        rl_asprintf("%s %s %s", en ? "Final report" : "Eindverslag", m->given_name, m->family_name);
    s_elem(o, "      ", "text", en ? "L=\"en\"" : "L=\"nl\"", title);
    free(title);
    size_t b64_len = sodium_base64_encoded_len(pdf_len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = rl_malloc(b64_len);
    sodium_bin2base64(b64, b64_len, pdf, pdf_len, sodium_base64_VARIANT_ORIGINAL);
    s_puts(o, "      <lnk TYPE=\"multimedia\" MEDIATYPE=\"application/pdf\">");
    s_puts(o, b64);
    s_puts(o, "</lnk>\n");
    free(b64);
    s_puts(o, "    </transaction>\n");
}

char *
rpt_kmehr_message(const rpt_model_t *m, const unsigned char *pdf, size_t pdf_len, const char *lang,
                  bool draft, rl_err_t *err)
{
    const char *missing = rpt_kmehr_missing(m);
    if (missing && !strcmp(missing, "gp_riziv")) {
        rl_err_set(err, "no GP recorded for patient %lld: a KMEHR message needs a recipient",
                   m->subject_id);
        return NULL;
    }
    if (missing) {
        rl_err_set(err, "the site has no physician RIZIV number: a KMEHR message needs a sender");
        return NULL;
    }
    s_when_t w;
    s_when(m, &w);
    s_out_t o = {0};
    s_puts(&o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s_puts(&o, "<kmehrmessage xmlns=\"" S_NS "\">\n");
    s_header(&o, m, &w);
    s_puts(&o, "  <folder>\n");
    s_elem(&o, "    ", "id", "S=\"ID-KMEHR\" SV=\"1.0\"", "1");
    s_patient(&o, m);
    s_transaction(&o, m, &w, pdf, pdf_len, !strcmp(lang, "en"), draft);
    s_puts(&o, "  </folder>\n");
    s_puts(&o, "</kmehrmessage>\n");
    return o.buf;
}

#include "config.h"
#include "output.h"

#include <string.h>
#include <unistd.h>

#include "util.h"

struct vs_table {
    int ncols;
    char **cells; /* rows * ncols, row 0 the headers */
    size_t nrows;
};

vs_table *table_new(int ncols, const char *const *headers)
{
    vs_table *t = vs_xcalloc(1, sizeof(*t));
    t->ncols = ncols;
    table_add_row(t, headers);
    return t;
}

void table_add_row(vs_table *t, const char *const *cells)
{
    t->cells = vs_xrealloc(t->cells, (t->nrows + 1) * (size_t)t->ncols * sizeof(*t->cells));
    for (int c = 0; c < t->ncols; c++)
        t->cells[t->nrows * (size_t)t->ncols + (size_t)c] = vs_xstrdup(cells[c] ? cells[c] : "");
    t->nrows++;
}

void table_print(const vs_table *t, FILE *out)
{
    size_t width[16] = {0};
    size_t total = 0;

    for (size_t r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols && c < 16; c++) {
            size_t l = strlen(t->cells[r * (size_t)t->ncols + (size_t)c]);
            if (l > width[c])
                width[c] = l;
        }
    for (int c = 0; c < t->ncols; c++)
        total += width[c] + 3;
    for (size_t r = 0; r < t->nrows; r++) {
        fputc(' ', out);
        for (int c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * (size_t)t->ncols + (size_t)c];
            if (c == t->ncols - 1)
                fprintf(out, "%s", cell);
            else
                fprintf(out, "%-*s   ", (int)width[c], cell);
        }
        fputc('\n', out);
        if (r == 0) {
            for (size_t i = 0; i < total; i++)
                fputc('-', out);
            fputc('\n', out);
        }
    }
}

void table_free(vs_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}

void json_init(vs_json *j, FILE *out)
{
    memset(j, 0, sizeof(*j));
    j->out = out;
}

static void json_sep(vs_json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->need_comma[j->depth])
        fputc(',', j->out);
    j->need_comma[j->depth] = true;
}

void json_escape(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void json_open(vs_json *j, char c)
{
    json_sep(j);
    fputc(c, j->out);
    if (j->depth < 31)
        j->depth++;
    j->need_comma[j->depth] = false;
}

static void json_close(vs_json *j, char c)
{
    fputc(c, j->out);
    if (j->depth > 0)
        j->depth--;
}

void json_begin_object(vs_json *j) { json_open(j, '{'); }
void json_end_object(vs_json *j) { json_close(j, '}'); }
void json_begin_array(vs_json *j) { json_open(j, '['); }
void json_end_array(vs_json *j) { json_close(j, ']'); }

void json_key(vs_json *j, const char *key)
{
    json_sep(j);
    json_escape(j->out, key);
    fputc(':', j->out);
    j->after_key = true;
}

void json_string(vs_json *j, const char *s)
{
    json_sep(j);
    if (s)
        json_escape(j->out, s);
    else
        fputs("null", j->out);
}

void json_int(vs_json *j, long long v)
{
    json_sep(j);
    fprintf(j->out, "%lld", v);
}

void json_bool(vs_json *j, bool v)
{
    json_sep(j);
    fputs(v ? "true" : "false", j->out);
}

void json_finish(vs_json *j)
{
    fputc('\n', j->out);
}

static bool progress_shown;

bool progress_enabled(void)
{
    return !vs_is_quiet() && isatty(STDERR_FILENO);
}

void progress_update(const char *label, unsigned long long done, unsigned long long total,
                     double bytes_per_second)
{
    char d[32], tot[32], rate[32];

    if (!progress_enabled())
        return;
    vs_format_bytes(done, d, sizeof(d));
    vs_format_bytes(total, tot, sizeof(tot));
    vs_format_bytes((unsigned long long)bytes_per_second, rate, sizeof(rate));
    if (total > 0) {
        unsigned pct = (unsigned)(done * 100 / total);
        char eta[32] = "";
        if (bytes_per_second >= 1.0 && done < total) {
            unsigned long long s = (unsigned long long)((double)(total - done) / bytes_per_second);
            snprintf(eta, sizeof(eta), ", ETA %llu:%02llu", s / 60, s % 60);
        }
        fprintf(stderr, "\r%s: %3u%% (%s of %s, %s/s%s)\033[K", label, pct > 100 ? 100 : pct, d, tot, rate, eta);
    } else {
        fprintf(stderr, "\r%s: %s (%s/s)\033[K", label, d, rate);
    }
    fflush(stderr);
    progress_shown = true;
}

void progress_end(const char *final_line)
{
    if (final_line && progress_enabled())
        fprintf(stderr, "\r%s\033[K\n", final_line);
    else if (progress_shown)
        fputc('\n', stderr);
    progress_shown = false;
}

/* Small helpers shared by every module: cleanup attributes, strings, errors. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#define VS_ATTR_PRINTF(a, b) __attribute__((format(printf, a, b)))

static inline void vs_freep(void *p) { free(*(void **)p); }
static inline void vs_closep(int *fd) { if (*fd >= 0) close(*fd); }
void vs_strv_free(char **v);
static inline void vs_strv_freep(char ***v) { vs_strv_free(*v); }

#define autofree __attribute__((cleanup(vs_freep)))
#define autoclose __attribute__((cleanup(vs_closep)))
#define autostrv __attribute__((cleanup(vs_strv_freep)))

/* Hand ownership out of an auto-cleaned variable. */
#define vs_steal(p) ({ __typeof__(*(p)) _v = *(p); *(p) = NULL; _v; })

/* Exit codes, documented in virt-state(1). */
enum {
    VS_EXIT_OK = 0,
    VS_EXIT_FAILURE = 1,
    VS_EXIT_USAGE = 2,
    VS_EXIT_BUSY = 3,
};

/* Allocation never fails quietly: out of memory aborts. */
void *vs_xmalloc(size_t n);
void *vs_xcalloc(size_t n, size_t size);
void *vs_xrealloc(void *p, size_t n);
char *vs_xstrdup(const char *s);
char *vs_xstrndup(const char *s, size_t n);
char *vs_asprintf(const char *fmt, ...) VS_ATTR_PRINTF(1, 2);
char *vs_vasprintf(const char *fmt, va_list ap) VS_ATTR_PRINTF(1, 0);

size_t vs_strv_len(char *const *v);
void vs_strv_sort(char **v);
void vs_strv_push(char ***v, size_t *n, char *s); /* takes s */
bool vs_str_has_prefix(const char *s, const char *prefix);
bool vs_streq(const char *a, const char *b);
/* True when the NULL-terminated v holds s. */
bool vs_strv_contains(char *const *v, const char *s);

/* Strict number parsing: the whole string, in range, no sign tricks. */
int vs_parse_ulong(const char *s, unsigned long max, unsigned long *out);

/* Errors and chatter. The message prefix is "virt-state: <command>: ". */
void vs_set_error_prefix(const char *command);
void vs_set_quiet(bool quiet);
bool vs_is_quiet(void);
void vs_set_debug(bool debug);
bool vs_is_debug(void);
/* Prints the error and returns -1, so "return vs_error(...)" reads well. */
int vs_error(const char *fmt, ...) VS_ATTR_PRINTF(1, 2);
void vs_warn(const char *fmt, ...) VS_ATTR_PRINTF(1, 2);
void vs_info(const char *fmt, ...) VS_ATTR_PRINTF(1, 2);
void vs_debug(const char *fmt, ...) VS_ATTR_PRINTF(1, 2);

/* A name the tool turns into a path component: no '/', no "." or "..",
 * no leading '.', no control characters, at most 200 bytes. */
bool vs_name_is_safe(const char *name);

/* The entries of a directory whose names are safe (vs_name_is_safe) and,
 * when suffix is given, end with it; sorted. NULL when there are none or the
 * directory cannot be read. */
char **vs_list_dir(const char *dir, const char *suffix);

/* Human-readable sizes and rates, into a caller buffer. */
void vs_format_bytes(unsigned long long bytes, char *buf, size_t len);

/* Splits a shell-like line into words: blanks separate, '...' and "..."
 * quote, backslash escapes, '#' at a word start comments out the rest.
 * Returns 0 with *words (NULL-terminated), or -1 (reported) on an
 * unterminated quote. */
int vs_split_words(const char *line, char ***words, int *nwords);

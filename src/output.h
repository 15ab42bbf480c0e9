/* What the tool prints for people and for scripts: aligned tables, JSON,
 * and a progress line on a terminal. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

/* A table: columns of text, aligned when printed. */
typedef struct vs_table vs_table;
vs_table *table_new(int ncols, const char *const *headers);
void table_add_row(vs_table *t, const char *const *cells);
void table_print(const vs_table *t, FILE *out);
void table_free(vs_table *t);
static inline void table_freep(vs_table **t) { table_free(*t); }
#define autotable __attribute__((cleanup(table_freep)))

/* A streaming JSON writer with comma and nesting bookkeeping. */
typedef struct vs_json {
    FILE *out;
    int depth;
    bool need_comma[32];
    bool after_key;
} vs_json;
void json_init(vs_json *j, FILE *out);
void json_begin_object(vs_json *j);
void json_end_object(vs_json *j);
void json_begin_array(vs_json *j);
void json_end_array(vs_json *j);
void json_key(vs_json *j, const char *key);
void json_string(vs_json *j, const char *s); /* NULL prints null */
void json_int(vs_json *j, long long v);
void json_bool(vs_json *j, bool v);
/* Ends the document with a newline. */
void json_finish(vs_json *j);
void json_escape(FILE *out, const char *s);

/* Progress on standard error, only when it is a terminal and not --quiet. */
bool progress_enabled(void);
void progress_update(const char *label, unsigned long long done, unsigned long long total,
                     double bytes_per_second);
/* Ends the progress line: replaced by final_line when given (terminal
 * only), else just closed with a newline if one was shown. */
void progress_end(const char *final_line);

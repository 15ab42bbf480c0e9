/* The intent log of multi-step operations: <store>/<domain>/journal/<id>.xml.
 * A step is recorded as begun before it is taken and as done after it; the
 * file is rewritten atomically each time and removed when the operation ends.
 * `virt-state recover` reads what an interrupted operation left. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    VS_STEP_NONE = 0,
    VS_STEP_BEGUN,
    VS_STEP_DONE,
} vs_step_state;

typedef struct vs_journal vs_journal;

/* Starts an operation and writes its journal. */
vs_journal *journal_begin(const char *domain_dir, const char *operation, const char *domain,
                          const char *uuid);
/* A parameter recovery will need; written with the next step. */
void journal_set(vs_journal *j, const char *key, const char *value);
/* Records the step as begun (durably) before the caller takes it. */
int journal_step(vs_journal *j, const char *step);
/* Records the step as done. */
int journal_step_done(vs_journal *j, const char *step);
/* The operation is over (finished or rolled back): the journal goes. */
int journal_finish(vs_journal *j);
void journal_free(vs_journal *j);
static inline void journal_freep(vs_journal **j) { journal_free(*j); }
#define autojournal __attribute__((cleanup(journal_freep)))

/* Reading, for recovery and for "needs recovery" warnings. */
vs_journal *journal_load(const char *path);
/* Paths of the journals in <domain_dir>/journal, sorted; NULL if none. */
char **journal_list(const char *domain_dir);
const char *journal_id(const vs_journal *j);
const char *journal_operation(const vs_journal *j);
const char *journal_domain(const vs_journal *j);
const char *journal_uuid(const vs_journal *j);
const char *journal_path(const vs_journal *j);
const char *journal_get(const vs_journal *j, const char *key);
/* Per-disk parameters, "disk.<i>.<field>", and their count, "disks". */
void journal_set_disk(vs_journal *j, size_t i, const char *field, const char *value);
const char *journal_get_disk(const vs_journal *j, size_t i, const char *field);
void journal_set_disk_count(vs_journal *j, size_t n);
/* The recorded count of disks (1 to 64); 0 after reporting that the
 * journal of 'what' ("the commit") lacks it. */
size_t journal_disk_count(const vs_journal *j, const char *what);
vs_step_state journal_step_state(const vs_journal *j, const char *step);
/* The last step recorded, and its state. */
const char *journal_last_step(const vs_journal *j, vs_step_state *state);

/* Test-only fault injection: when VIRT_STATE_FAULT_AT names "<op>:<step>" (the
 * process dies after recording the step as begun, before taking it) or
 * "<op>:<step>:done" (after recording it done), the process kills itself
 * with SIGKILL. Used by the test suite to prove recovery. */
void journal_fault_point(const char *operation, const char *step, bool done);

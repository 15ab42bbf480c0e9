/* Recovery of interrupted operations from their journals, and the guard
 * every state-changing command passes first: the domain's lock, and a
 * refusal while an interrupted operation waits to be recovered. */
#pragma once

#include <stdbool.h>

#include "ctx.h"
#include "store.h"

/* Takes the domain's lock for 'operation' and refuses (reported, -1) when a
 * journal of an interrupted operation is pending. -2: busy. */
int recover_guard(vs_ctx *ctx, const char *domain, const char *operation, vs_lock **lock);

/* Recovers every interrupted operation of one domain, under its lock.
 * *count is the number of operations handled. */
int recover_domain(vs_ctx *ctx, const char *domain, int *count);

/* Domains with a directory in the store (candidates for recovery). */
char **recover_store_domains(const char *store);

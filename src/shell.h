/* The interactive shell: readline with history and completion on a
 * terminal; one command per line from a pipe. */
#pragma once

#include "ctx.h"

/* Returns 0, or 1 when a command read from a pipe failed. */
int shell_run(vs_ctx *ctx);

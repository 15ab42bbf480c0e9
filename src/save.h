/* Memory saves that never destroy an existing file: the image is written to
 * a temporary twin in the target directory and renamed into place only when
 * libvirt reports it complete. Journaled; `recover` finishes or rolls back. */
#pragma once

#include <stdbool.h>
#include <libvirt/libvirt.h>

#include "cmd.h"
#include "ctx.h"
#include "job.h"
#include "journal.h"

typedef struct vs_save_request {
    const char *file;  /* absolute path of the final image */
    const char *xml;   /* alternative domain XML for the image, or NULL */
    unsigned flags;    /* VIR_DOMAIN_SAVE_* */
    bool force;        /* replace an existing file */
} vs_save_request;

/* VIR_DOMAIN_SAVE_* flags from the --running, --paused and --bypass-cache
 * options that save and restore share. */
unsigned save_flags_from_args(const vs_args *args);

/* The caller holds the domain's lock. On success *size is the image's size
 * and *job what libvirt reports of the finished save job. */
int save_domain(vs_ctx *ctx, virDomainPtr dom, const vs_save_request *req, unsigned long long *size,
                vs_job_result *job);

/* Finishes or rolls back an interrupted save; reports what it did. */
int save_recover(vs_ctx *ctx, vs_journal *j);

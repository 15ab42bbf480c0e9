/* Pull-mode backups: libvirt's backup job exports the disks, as they were
 * when the job began, over NBD for a third-party reader; the tool keeps the
 * checkpoint (virt-state-<id>, the base of later incrementals) and a
 * manifest marked as a pull export (no images in the store), and waits
 * until `backup end` (virDomainAbortJob from another process), a signal, or
 * another client ends the job. Journaled as operation "backup" with
 * mode=pull, steps begin, export and end; `recover` ends a job a killed
 * process left and keeps the checkpoint and the manifest consistent. */
#pragma once

#include <libvirt/libvirt.h>
#include <stdbool.h>

#include "backup.h"
#include "ctx.h"
#include "journal.h"

typedef struct vs_pull_export {
    const char *socket; /* unix socket path, or NULL for TCP */
    const char *host;   /* "127.0.0.1" with TCP */
    unsigned port;
} vs_pull_export;

typedef struct vs_pull_opts {
    const char *socket; /* absolute path, checked with backup_pull_check_socket; NULL: the default */
    unsigned tcp_port;  /* non-zero: TCP on 127.0.0.1 instead of a unix socket */
    /* Called once the export serves, before the wait: b is the manifest
     * written (disks with export names and bitmaps). */
    void (*ready)(vs_ctx *ctx, const vs_backup *b, const vs_pull_export *e);
} vs_pull_opts;

/* --socket PATH: absolute, in an existing directory, short enough for a
 * unix socket, and not an existing file other than a socket. Returns 0;
 * VS_EXIT_USAGE with the reason in *usage (reported here when usage is
 * NULL); or VS_EXIT_FAILURE after reporting. */
int backup_pull_check_socket(const char *path, char **usage);
/* --tcp PORT (or 127.0.0.1:PORT, localhost:PORT): the port, 1 to 65535,
 * on loopback only. Returns 0, or VS_EXIT_USAGE as above. */
int backup_pull_parse_tcp(const char *arg, unsigned *port, char **usage);

/* The pull branch of backup_create (req->pull set; the caller holds the
 * domain's lock). Returns 0 once the job ended cleanly, -1 after
 * reporting. */
int backup_pull_create(vs_ctx *ctx, virDomainPtr dom, const vs_backup_request *req, vs_backup **out);
/* Ends the domain's pull backup job (from any process). Returns 0, or -1
 * after reporting (no job, or a push job, which is not ended this way). */
int backup_pull_end(virDomainPtr dom);
int backup_pull_recover(vs_ctx *ctx, vs_journal *j);

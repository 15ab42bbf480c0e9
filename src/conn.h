/* The libvirt connection: opened once, errors captured, an event loop thread
 * for job events and keepalive. */
#pragma once

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdbool.h>

#include "ctx.h"

/* Call once at start-up, before any connection: silences libvirt's own error
 * printing and starts the event loop thread. */
int conn_init(void);

/* Opens ctx->conn when not open yet. Reports the failure. */
int conn_ensure(vs_ctx *ctx);
void conn_close(vs_ctx *ctx);

/* The last libvirt error's message ("unknown error" when none). */
const char *conn_last_error(void);
int conn_last_error_code(void);
/* Reports "<what>: <libvirt message>" and returns -1. */
int conn_error(const char *what);

/* True when a URI names another host ("qemu+ssh://host/system"): its
 * hypervisor's files are not this host's files. */
bool conn_uri_is_remote(const char *uri);
/* Refuses (reported, -1) a remote connection for an operation on files of
 * this host: checks the URI given before connecting and, once connected,
 * the URI libvirt reports. */
int conn_require_local(vs_ctx *ctx);

/* Domain by name, UUID or id, as virsh looks it up. Reports a miss. */
virDomainPtr conn_lookup_domain(vs_ctx *ctx, const char *name);

/* Every domain's name, sorted; NULL when no connection can be had
 * (completion stays quiet). */
char **conn_domain_names(vs_ctx *ctx);
/* The disk targets (device "disk") of a domain, in definition order; NULL
 * when none or no connection (completion stays quiet). */
char **conn_disk_targets(vs_ctx *ctx, const char *domain);

static inline void conn_domain_freep(virDomainPtr *d) { if (*d) virDomainFree(*d); }
#define autodomain __attribute__((cleanup(conn_domain_freep)))

#include "config.h"
#include "conn.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "util.h"

static void silent_error_handler(void *opaque, virErrorPtr err)
{
    (void)opaque;
    (void)err;
}

static void *event_loop(void *opaque)
{
    (void)opaque;
    for (;;)
        if (virEventRunDefaultImpl() < 0)
            vs_debug("event loop: %s", conn_last_error());
    return NULL;
}

int conn_init(void)
{
    static bool done;
    pthread_t thread;
    pthread_attr_t attr;

    if (done)
        return 0;
    done = true;
    virSetErrorFunc(NULL, silent_error_handler);
    if (virInitialize() < 0 || virEventRegisterDefaultImpl() < 0)
        return vs_error("cannot initialise libvirt: %s", conn_last_error());
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&thread, &attr, event_loop, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        return vs_error("cannot start the event loop thread");
    return 0;
}

const char *conn_last_error(void)
{
    const char *msg = virGetLastErrorMessage();
    return msg ? msg : "unknown error";
}

int conn_last_error_code(void)
{
    virErrorPtr e = virGetLastError();
    return e ? e->code : VIR_ERR_OK;
}

int conn_error(const char *what)
{
    return vs_error("%s: %s", what, conn_last_error());
}

int conn_ensure(vs_ctx *ctx)
{
    if (ctx->conn)
        return 0;
    if (conn_init() < 0)
        return -1;
    unsigned flags = ctx->readonly ? VIR_CONNECT_RO : 0;
    ctx->conn = virConnectOpenAuth(ctx->uri, virConnectAuthPtrDefault, flags);
    if (!ctx->conn)
        return vs_error("cannot connect to '%s': %s", ctx->uri ? ctx->uri : "the default hypervisor",
                        conn_last_error());
    /* Keepalive needs the event loop; drivers without it (test://) say so. */
    if (virConnectSetKeepAlive(ctx->conn, 5, 6) < 0)
        vs_debug("keepalive not available: %s", conn_last_error());
    vs_debug("connected to %s", ctx->uri ? ctx->uri : "the default hypervisor");
    return 0;
}

void conn_close(vs_ctx *ctx)
{
    if (ctx->conn) {
        virConnectClose(ctx->conn);
        ctx->conn = NULL;
    }
}

bool conn_uri_is_remote(const char *uri)
{
    const char *p = uri ? strstr(uri, "://") : NULL;
    /* The authority between "://" and the path names a host. */
    return p && p[3] != '/' && p[3] != '\0';
}

int conn_require_local(vs_ctx *ctx)
{
    autofree char *actual = ctx->conn ? virConnectGetURI(ctx->conn) : NULL;
    const char *uri = actual ? actual : ctx->uri;
    if (uri && conn_uri_is_remote(uri))
        return vs_error("the connection '%s' is to another host, where this command's files would be; "
                        "run virt-state on that host",
                        uri);
    return 0;
}

virDomainPtr conn_lookup_domain(vs_ctx *ctx, const char *name)
{
    virDomainPtr dom = NULL;
    unsigned long id;

    if (!name || !*name) {
        vs_error("empty domain name");
        return NULL;
    }
    if (vs_parse_ulong(name, 0x7fffffff, &id) == 0)
        dom = virDomainLookupByID(ctx->conn, (int)id);
    if (!dom && strlen(name) == VIR_UUID_STRING_BUFLEN - 1)
        dom = virDomainLookupByUUIDString(ctx->conn, name);
    if (!dom)
        dom = virDomainLookupByName(ctx->conn, name);
    if (!dom) {
        if (conn_last_error_code() == VIR_ERR_NO_DOMAIN)
            vs_error("domain '%s' not found", name);
        else
            vs_error("cannot look up domain '%s': %s", name, conn_last_error());
    }
    return dom;
}

/* The command's own connection when one is open; otherwise a read-only one
 * of our own, closed again by the caller (completion must never leave the
 * shell on a connection that cannot change anything). */
static virConnectPtr completion_conn(vs_ctx *ctx)
{
    if (ctx->conn)
        return ctx->conn;
    if (conn_init() < 0)
        return NULL;
    return virConnectOpenAuth(ctx->uri, virConnectAuthPtrDefault, VIR_CONNECT_RO);
}

char **conn_disk_targets(vs_ctx *ctx, const char *domain)
{
    virConnectPtr conn = completion_conn(ctx);
    if (!conn)
        return NULL;
    virDomainPtr dom = virDomainLookupByName(conn, domain);
    if (!dom)
        dom = virDomainLookupByUUIDString(conn, domain);
    char **targets = NULL;
    size_t n = 0;
    if (dom) {
        vs_disk *disks = NULL;
        size_t nd = 0;
        char *xml = virDomainGetXMLDesc(dom, 0);
        if (xml && domain_disks_from_xml(xml, &disks, &nd) == 0)
            for (size_t i = 0; i < nd; i++)
                if (vs_streq(disks[i].device, "disk"))
                    vs_strv_push(&targets, &n, vs_xstrdup(disks[i].target));
        free(xml);
        domain_disks_free(disks, nd);
        virDomainFree(dom);
    }
    if (conn != ctx->conn)
        virConnectClose(conn);
    return targets;
}

char **conn_domain_names(vs_ctx *ctx)
{
    virDomainPtr *doms = NULL;
    char **names = NULL;
    size_t n = 0;

    /* The command's own connection when one is open; otherwise a read-only
     * one of our own, closed again, so that completion never leaves the
     * shell on a connection that cannot change anything. */
    virConnectPtr conn = completion_conn(ctx);
    if (!conn)
        return NULL;
    int count = virConnectListAllDomains(conn, &doms, 0);
    for (int i = 0; i < count; i++) {
        vs_strv_push(&names, &n, vs_xstrdup(virDomainGetName(doms[i])));
        virDomainFree(doms[i]);
    }
    free(doms);
    if (conn != ctx->conn)
        virConnectClose(conn);
    vs_strv_sort(names);
    return names;
}

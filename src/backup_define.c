#include "config.h"
#include "backup_define.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "conn.h"
#include "domain.h"
#include "util.h"

/* What the manifest schema accepts (data/backup.rng). */
#define DOMAIN_XML_MAX 524288

char *backup_domain_xml(virDomainPtr dom)
{
    char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
    if (!xml) {
        vs_debug("cannot read the domain's definition for the manifest: %s", conn_last_error());
        return NULL;
    }
    if (strlen(xml) > DOMAIN_XML_MAX) {
        vs_warn("the domain's definition is over %d bytes: the backup does not record it", DOMAIN_XML_MAX);
        free(xml);
        return NULL;
    }
    return xml;
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, BAD_CAST name) == 0)
            return c;
    return NULL;
}

static void drop(xmlNodePtr n)
{
    xmlUnlinkNode(n);
    xmlFreeNode(n);
}

static bool is_chardev(xmlNodePtr n)
{
    static const char *const names[] = {"serial", "console", "parallel", "channel"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (xmlStrcmp(n->name, BAD_CAST names[i]) == 0)
            return true;
    return false;
}

static bool contains(size_t n, const char *const *v, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (vs_streq(v[i], s))
            return true;
    return false;
}

char *backup_define_xml(const char *xml, const char *name, size_t n, const char *const *targets,
                        const char *const *paths, char ***notes)
{
    size_t nn = 0;
    *notes = NULL;
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root || doc->intSubset || xmlStrcmp(root->name, BAD_CAST "domain") != 0) {
        if (doc)
            xmlFreeDoc(doc);
        return vs_error("the domain definition to start from is not a plain <domain> document"), NULL;
    }
    xmlNodePtr nm = child(root, "name");
    if (!nm)
        nm = xmlNewChild(root, NULL, BAD_CAST "name", NULL);
    xmlNodeSetContent(nm, NULL);
    xmlNodeAddContent(nm, BAD_CAST name);
    for (xmlNodePtr u; (u = child(root, "uuid"));)
        drop(u);
    xmlNodePtr os = child(root, "os");
    xmlNodePtr nv = child(os, "nvram");
    if (nv) {
        /* The new domain's own NVRAM, from the loader's template. */
        xmlNodePtr fresh = xmlNewNode(NULL, BAD_CAST "nvram");
        xmlChar *tmpl = xmlGetProp(nv, BAD_CAST "template");
        if (tmpl)
            xmlSetProp(fresh, BAD_CAST "template", tmpl);
        xmlFree(tmpl);
        xmlReplaceNode(nv, fresh);
        xmlFreeNode(nv);
    }
    xmlNodePtr devices = child(root, "devices");
    for (xmlNodePtr c = devices ? devices->children : NULL, next; c; c = next) {
        next = c->next;
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (xmlStrcmp(c->name, BAD_CAST "interface") == 0) {
            for (xmlNodePtr m; (m = child(c, "mac"));)
                drop(m);
            continue;
        }
        if (is_chardev(c)) {
            /* Two domains cannot write one file (libvirt refuses to start
             * the second): the copy's goes to a pty instead. */
            xmlChar *type = xmlGetProp(c, BAD_CAST "type");
            bool file = type && xmlStrcmp(type, BAD_CAST "file") == 0;
            xmlFree(type);
            xmlNodePtr src = child(c, "source");
            xmlChar *path = src ? xmlGetProp(src, BAD_CAST "path") : NULL;
            if (file) {
                vs_strv_push(notes, &nn,
                             vs_asprintf("its %s wrote to '%s': the new domain's goes to a pty", (const char *)c->name,
                                         path ? (const char *)path : "a file"));
                xmlSetProp(c, BAD_CAST "type", BAD_CAST "pty");
                for (xmlNodePtr x; (x = child(c, "source"));)
                    drop(x);
            }
            xmlFree(path);
            for (xmlNodePtr x; (x = child(c, "log"));)
                drop(x);
            continue;
        }
        if (xmlStrcmp(c->name, BAD_CAST "disk") != 0)
            continue;
        xmlNodePtr t = child(c, "target");
        xmlChar *dev = t ? xmlGetProp(t, BAD_CAST "dev") : NULL;
        xmlChar *device = xmlGetProp(c, BAD_CAST "device");
        bool writable = (!device || xmlStrcmp(device, BAD_CAST "disk") == 0) && !child(c, "readonly");
        if (dev && !contains(n, targets, (const char *)dev) && writable) {
            vs_strv_push(notes, &nn, vs_asprintf("disk %s is not in the backup: the new domain has none",
                                                 (const char *)dev));
            drop(c);
        }
        xmlFree(dev);
        xmlFree(device);
    }
    xmlChar *buf = NULL;
    int len = 0;
    xmlDocDumpMemory(doc, &buf, &len);
    xmlFreeDoc(doc);
    autofree char *mid = buf ? vs_xstrndup((const char *)buf, (size_t)len) : NULL;
    xmlFree(buf);
    if (!mid)
        return vs_error("cannot write the new domain's definition"), NULL;
    const char **formats = vs_xcalloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        formats[i] = "qcow2";
    char *out = domain_xml_set_disk_sources(mid, n, targets, paths, formats);
    free(formats);
    return out;
}

char *backup_define_prepare(vs_ctx *ctx, const vs_backup *b, const char *dir, const char *name)
{
    if (conn_ensure(ctx) < 0)
        return NULL;
    virDomainPtr clash = virDomainLookupByName(ctx->conn, name);
    if (clash) {
        virDomainFree(clash);
        return vs_error("a domain named '%s' exists already; nothing was written", name), NULL;
    }
    autofree char *from = NULL;
    if (b->domain_xml) {
        from = vs_xstrdup(b->domain_xml);
    } else {
        virDomainPtr dom = virDomainLookupByUUIDString(ctx->conn, b->uuid);
        if (!dom)
            dom = virDomainLookupByName(ctx->conn, b->domain);
        if (!dom)
            return vs_error("backup '%s' does not record the domain's definition (an older version took it) and "
                            "domain '%s' no longer exists to take it from; nothing was written",
                            b->id, b->domain),
                   NULL;
        from = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
        virDomainFree(dom);
        if (!from)
            return conn_error("cannot read the domain's definition"), NULL;
        vs_warn("backup '%s' does not record the domain's definition (an older version took it): '%s' takes "
                "the current definition of '%s'",
                b->id, name, b->domain);
    }
    char real[PATH_MAX];
    if (!realpath(dir, real))
        return vs_error("cannot use '%s': %s", dir, strerror(errno)), NULL;
    /* QEMU runs as its own user: every directory on the way to the images
     * needs search permission for it (libvirt hands it the files only). */
    autofree char *d = vs_xstrdup(real);
    for (;;) {
        struct stat st;
        if (stat(*d ? d : "/", &st) == 0 && !(st.st_mode & S_IXOTH)) {
            vs_warn("'%s' (mode %o) cannot be searched by others: QEMU, running as its own user, may not reach the "
                    "images and '%s' may not start",
                    *d ? d : "/", (unsigned)(st.st_mode & 07777), name);
            break;
        }
        char *slash = strrchr(d, '/');
        if (!*d || !slash)
            break;
        *slash = '\0';
    }
    const char **targets = vs_xcalloc(b->ndisks + 1, sizeof(char *));
    char **paths = vs_xcalloc(b->ndisks + 1, sizeof(char *));
    for (size_t i = 0; i < b->ndisks; i++) {
        targets[i] = b->disks[i].target;
        paths[i] = vs_asprintf("%s/%s.qcow2", real, b->disks[i].target);
    }
    autostrv char **notes = NULL;
    char *xml = backup_define_xml(from, name, b->ndisks, targets, (const char *const *)paths, &notes);
    free(targets);
    vs_strv_free(paths);
    for (char **note = notes; xml && note && *note; note++)
        vs_info("defining '%s': %s", name, *note);
    return xml;
}

int backup_define_domain(vs_ctx *ctx, const char *xml, const char *name)
{
    virDomainPtr d = virDomainDefineXML(ctx->conn, xml);
    if (!d) {
        autofree char *what = vs_asprintf("cannot define domain '%s'", name);
        return conn_error(what);
    }
    virDomainFree(d);
    return 0;
}

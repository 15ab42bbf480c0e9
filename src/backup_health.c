#include "config.h"
#include "backup_health.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "backup.h"
#include "conn.h"
#include "util.h"

/* ---- redefining lost checkpoint metadata ---------------------------------- */

static bool checkpoint_exists(virDomainPtr dom, const char *name)
{
    virDomainCheckpointPtr cp = virDomainCheckpointLookupByName(dom, name, 0);
    if (cp)
        virDomainCheckpointFree(cp);
    return cp != NULL;
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && vs_streq((const char *)c->name, name))
            return c;
    return NULL;
}

/* The kept XML, its <parent> pointing at a checkpoint libvirt has: libvirt
 * refuses to redefine a checkpoint whose parent it does not know. A parent
 * that is gone is replaced by 'fallback' (the chain's checkpoint below it
 * that libvirt has) or left out. NULL when the XML does not parse. */
static char *redefine_xml(virDomainPtr dom, const char *kept, const char *fallback)
{
    xmlDocPtr doc = xmlReadMemory(kept, (int)strlen(kept), NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                                             XML_PARSE_NOWARNING);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root || !vs_streq((const char *)root->name, "domaincheckpoint")) {
        xmlFreeDoc(doc);
        return NULL;
    }
    xmlNodePtr parent = child(root, "parent");
    xmlNodePtr pname = child(parent, "name");
    xmlChar *was = pname ? xmlNodeGetContent(pname) : NULL;
    if (parent && (!was || !checkpoint_exists(dom, (const char *)was))) {
        if (fallback && pname) {
            xmlNodeSetContent(pname, BAD_CAST fallback);
        } else {
            xmlUnlinkNode(parent);
            xmlFreeNode(parent);
        }
    }
    xmlFree(was);
    xmlChar *buf = NULL;
    int len = 0;
    xmlDocDumpMemory(doc, &buf, &len);
    xmlFreeDoc(doc);
    char *x = buf ? vs_xstrndup((const char *)buf, (size_t)len) : NULL;
    xmlFree(buf);
    return x;
}

/* Redefines, parents first, the checkpoints of the chain libvirt lacks.
 * *last_err: libvirt's refusal for the last backup's, if any. */
static void redefine_missing(virDomainPtr dom, vs_backup *const *chain, size_t n, char **last_err)
{
    const char *below = NULL; /* the nearest checkpoint under this one that libvirt has */
    for (size_t i = 0; i < n; i++) {
        const vs_backup *b = chain[i];
        if (!b->checkpoint)
            continue;
        if (checkpoint_exists(dom, b->checkpoint)) {
            below = b->checkpoint;
            continue;
        }
        autofree char *xml = b->checkpoint_xml && *b->checkpoint_xml
                                 ? redefine_xml(dom, b->checkpoint_xml, below)
                                 : NULL;
        const char *err = NULL;
        virDomainCheckpointPtr cp = NULL;
        if (!xml)
            err = "its manifest keeps no usable checkpoint XML";
        else if (!(cp = virDomainCheckpointCreateXML(dom, xml, VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
                                                                   VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE)))
            err = conn_last_error();
        if (cp) {
            virDomainCheckpointFree(cp);
            vs_info("checkpoint '%s' of backup '%s' was missing from libvirt, its bitmaps are still in the disk "
                    "images: redefined it from the backup's manifest",
                    b->checkpoint, b->id);
            below = b->checkpoint;
            continue;
        }
        if (i + 1 == n)
            *last_err = vs_xstrdup(err);
        else
            vs_debug("checkpoint '%s' of backup '%s' cannot be redefined: %s", b->checkpoint, b->id, err);
    }
}

/* ---- is the last checkpoint usable? --------------------------------------- */

/* From the checkpoint's XML with sizes: the bitmap disks of targets[] and
 * their sizes. A disk libvirt gives no size has a bitmap QEMU does not hold
 * (missing or inconsistent): its names go to *broken, the disks the
 * checkpoint has no bitmap for to *unrecorded. */
static int read_sizes(const char *xml, const char *const *targets, size_t ntargets, unsigned long long *changed,
                      char **broken, char **unrecorded)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                                           XML_PARSE_NOWARNING);
    xmlNodePtr disks = doc ? child(xmlDocGetRootElement(doc), "disks") : NULL;
    if (!disks) {
        xmlFreeDoc(doc);
        return -1;
    }
    *changed = 0;
    *broken = vs_xstrdup("");
    *unrecorded = vs_xstrdup("");
    for (size_t k = 0; k < ntargets; k++) {
        bool bitmap = false, sized = false;
        for (xmlNodePtr d = disks->children; d; d = d->next) {
            if (d->type != XML_ELEMENT_NODE || !vs_streq((const char *)d->name, "disk"))
                continue;
            xmlChar *name = xmlGetProp(d, BAD_CAST "name");
            xmlChar *kind = xmlGetProp(d, BAD_CAST "checkpoint");
            xmlChar *size = xmlGetProp(d, BAD_CAST "size");
            if (name && vs_streq((const char *)name, targets[k]) && kind &&
                vs_streq((const char *)kind, "bitmap")) {
                bitmap = true;
                if (size) {
                    sized = true;
                    *changed += strtoull((const char *)size, NULL, 10);
                }
            }
            xmlFree(name);
            xmlFree(kind);
            xmlFree(size);
        }
        char **list = !bitmap ? unrecorded : !sized ? broken : NULL;
        if (list) {
            char *t = vs_asprintf("%s%s%s", *list, **list ? " " : "", targets[k]);
            free(*list);
            *list = t;
        }
    }
    xmlFreeDoc(doc);
    return 0;
}

int backup_health_base(virDomainPtr dom, vs_backup *const *chain, size_t n, const char *const *targets,
                       size_t ntargets, char **why, unsigned long long *changed)
{
    const vs_backup *last = chain[n - 1];
    *changed = 0;
    autofree char *refused = NULL;
    if (!checkpoint_exists(dom, last->checkpoint))
        redefine_missing(dom, chain, n, &refused);
    virDomainCheckpointPtr cp = virDomainCheckpointLookupByName(dom, last->checkpoint, 0);
    if (!cp) {
        *why = vs_asprintf("the checkpoint '%s' of the last backup '%s' no longer exists in libvirt%s%s",
                           last->checkpoint, last->id,
                           refused ? " and cannot be redefined from the backup's manifest: " : "",
                           refused ? refused : "");
        return 0;
    }
    autofree char *xml =
        virDomainCheckpointGetXMLDesc(cp, VIR_DOMAIN_CHECKPOINT_XML_SIZE | VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN);
    virDomainCheckpointFree(cp);
    if (!xml) {
        *why = vs_asprintf("the bitmaps of checkpoint '%s' cannot serve: %s", last->checkpoint, conn_last_error());
        return 0;
    }
    autofree char *broken = NULL, *unrecorded = NULL;
    if (read_sizes(xml, targets, ntargets, changed, &broken, &unrecorded) < 0) {
        *why = vs_asprintf("libvirt's XML of checkpoint '%s' cannot be read", last->checkpoint);
        return 0;
    }
    if (*unrecorded) {
        *why = vs_asprintf("the checkpoint '%s' of the last backup '%s' has no bitmap for %s", last->checkpoint,
                           last->id, unrecorded);
        return 0;
    }
    if (*broken) {
        *why = vs_asprintf("the bitmap of checkpoint '%s' (last backup '%s') is missing or inconsistent in QEMU for "
                           "%s: QEMU did not store it cleanly (was it killed?), so the changes since cannot be known",
                           last->checkpoint, last->id, broken);
        return 0;
    }
    return 1;
}

/* ---- restore -------------------------------------------------------------- */

int backup_health_restorable(const char *store, const vs_backup *b)
{
    int problems = backup_verify(store, b, false);
    autofree char *parent = b->parent ? vs_xstrdup(b->parent) : NULL;
    /* A chain is short; the bound stops a loop of hand-edited manifests. */
    for (int depth = 0; parent && depth < 100000; depth++) {
        autobackup vs_backup *up = backup_load(store, b->domain, parent);
        free(vs_steal(&parent));
        if (!up) {
            problems++;
            break;
        }
        if (!vs_streq(up->chain, b->chain)) {
            problems++;
            vs_error("backup '%s', below '%s', is in chain '%s', not '%s'", up->id, b->id, up->chain, b->chain);
            break;
        }
        problems += backup_verify(store, up, false);
        parent = up->parent ? vs_xstrdup(up->parent) : NULL;
    }
    return problems;
}

/* ---- a full filesystem -------------------------------------------------- */

char *backup_health_space_hint(const char *dir, const char *errmsg)
{
    struct statvfs fs;
    bool full = errmsg && (strstr(errmsg, "No space left") || strstr(errmsg, "ENOSPC"));
    /* Called before the failed backup's images are removed: they may have
     * taken the last free blocks even when QEMU's message says otherwise. */
    if (!full && statvfs(dir, &fs) == 0)
        full = (unsigned long long)fs.f_bavail * 100 < (unsigned long long)fs.f_blocks;
    if (!full)
        return vs_xstrdup("");
    return vs_asprintf("; the store's filesystem (holding '%s') ran out of space: free space there or use another "
                       "store, then back up again",
                       dir);
}

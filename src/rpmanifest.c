#include "config.h"
#include "rpmanifest.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libxml/tree.h>

#include "manifest-xml.h"
#include "store.h"
#include "util.h"

void rpmanifest_free(vs_restore_point *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ndisks; i++) {
        free(p->disks[i].target);
        free(p->disks[i].frozen);
        free(p->disks[i].frozen_format);
        free(p->disks[i].overlay);
    }
    free(p->disks);
    free(p->name);
    free(p->domain);
    free(p->uuid);
    free(p->description);
    free(p->parent);
    free(p->origin);
    free(p->domain_state);
    free(p->consistency);
    free(p->tool_version);
    free(p->libvirt_version);
    free(p->qemu_version);
    free(p->memory_sha256);
    free(p->definition_sha256);
    free(p);
}

const vs_rp_disk *rpmanifest_disk(const vs_restore_point *p, const char *target)
{
    for (size_t i = 0; i < p->ndisks; i++)
        if (vs_streq(p->disks[i].target, target))
            return &p->disks[i];
    return NULL;
}

static xmlRelaxNGPtr schema(void)
{
    static xmlRelaxNGPtr cache;
    return manifest_xml_schema(vs_schema_restore_point, &cache);
}

/* ---- reading -------------------------------------------------------------- */

static char *prop(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    char *s = v ? vs_xstrdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

/* An attribute the schema has checked to be digits: its value, or -1 when
 * out of range. */
static int prop_number(xmlNodePtr n, const char *name, unsigned long long *out)
{
    autofree char *t = prop(n, name);
    unsigned long long v = 0;
    if (!t || !*t)
        return -1;
    for (const char *c = t; *c; c++) {
        if (*c < '0' || *c > '9' || v > (ULLONG_MAX - (unsigned)(*c - '0')) / 10)
            return -1;
        v = v * 10 + (unsigned)(*c - '0');
    }
    *out = v;
    return 0;
}

static int read_disk(xmlNodePtr e, vs_rp_disk *d)
{
    d->target = prop(e, "target");
    for (xmlNodePtr n = e->children; n; n = n->next) {
        if (manifest_xml_is(n, "frozen")) {
            d->frozen = manifest_xml_text(n);
            d->frozen_format = prop(n, "format");
            if (prop_number(n, "size", &d->frozen_size) < 0 || prop_number(n, "device", &d->frozen_dev) < 0 ||
                prop_number(n, "inode", &d->frozen_ino) < 0 || prop_number(n, "mtime-ns", &d->frozen_mtime) < 0)
                return -1;
        } else if (manifest_xml_is(n, "overlay")) {
            d->overlay = manifest_xml_text(n);
        } else if (manifest_xml_is(n, "virtual-size")) {
            if (manifest_xml_number(n, ULLONG_MAX, &d->virtual_size) < 0)
                return -1;
        }
    }
    return 0;
}

static int read_count(xmlNodePtr n, long long *out)
{
    unsigned long long v;
    if (manifest_xml_number(n, LLONG_MAX, &v) < 0)
        return -1;
    *out = (long long)v;
    return 0;
}

static int read_point(xmlNodePtr root, vs_restore_point *p)
{
    p->paused_us = p->frozen_us = -1;
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *e = (const char *)n->name;
        if (vs_streq(e, "name")) {
            p->name = manifest_xml_text(n);
        } else if (vs_streq(e, "domain")) {
            p->domain = manifest_xml_text(n);
        } else if (vs_streq(e, "uuid")) {
            p->uuid = manifest_xml_text(n);
        } else if (vs_streq(e, "description")) {
            p->description = manifest_xml_text(n);
        } else if (vs_streq(e, "parent")) {
            p->parent = manifest_xml_text(n);
        } else if (vs_streq(e, "created")) {
            if (read_count(n, &p->created) < 0)
                return -1;
        } else if (vs_streq(e, "origin")) {
            p->origin = manifest_xml_text(n);
        } else if (vs_streq(e, "domain-state")) {
            p->domain_state = manifest_xml_text(n);
        } else if (vs_streq(e, "live")) {
            autofree char *t = manifest_xml_text(n);
            p->live = vs_streq(t, "yes");
        } else if (vs_streq(e, "consistency")) {
            p->consistency = manifest_xml_text(n);
        } else if (vs_streq(e, "paused-us")) {
            if (read_count(n, &p->paused_us) < 0)
                return -1;
        } else if (vs_streq(e, "frozen-us")) {
            if (read_count(n, &p->frozen_us) < 0)
                return -1;
        } else if (vs_streq(e, "versions")) {
            for (xmlNodePtr v = n->children; v; v = v->next) {
                if (manifest_xml_is(v, "tool"))
                    p->tool_version = manifest_xml_text(v);
                else if (manifest_xml_is(v, "libvirt"))
                    p->libvirt_version = manifest_xml_text(v);
                else if (manifest_xml_is(v, "qemu"))
                    p->qemu_version = manifest_xml_text(v);
            }
        } else if (vs_streq(e, "memory")) {
            p->has_memory = true;
            p->memory_sha256 = prop(n, "sha256");
            if (prop_number(n, "size", &p->memory_size) < 0)
                return -1;
        } else if (vs_streq(e, "definition")) {
            p->definition_sha256 = prop(n, "sha256");
            if (prop_number(n, "size", &p->definition_size) < 0)
                return -1;
        } else if (vs_streq(e, "disks")) {
            for (xmlNodePtr d = n->children; d; d = d->next) {
                if (!manifest_xml_is(d, "disk"))
                    continue;
                p->disks = vs_xrealloc(p->disks, (p->ndisks + 1) * sizeof(*p->disks));
                p->disks[p->ndisks] = (vs_rp_disk){0};
                if (read_disk(d, &p->disks[p->ndisks++]) < 0)
                    return -1;
            }
        }
    }
    return 0;
}

/* What the schema cannot say. */
static int check_point(const vs_restore_point *p, const char *what)
{
    if (!vs_name_is_safe(p->name))
        return vs_error("%s is invalid: the point's name is not a safe file name", what);
    if (!vs_name_is_safe(p->domain))
        return vs_error("%s is invalid: the domain name is not a safe file name", what);
    if (p->parent && !vs_name_is_safe(p->parent))
        return vs_error("%s is invalid: the parent's name is not a safe file name", what);
    if (p->parent && vs_streq(p->parent, p->name))
        return vs_error("%s is invalid: the point is its own parent", what);
    if (p->has_memory == vs_streq(p->domain_state, "shut off"))
        return vs_error("%s is invalid: a point of a %s domain %s a memory image", what, p->domain_state,
                        p->has_memory ? "cannot have" : "needs");
    for (size_t i = 0; i < p->ndisks; i++) {
        const vs_rp_disk *d = &p->disks[i];
        if (!manifest_path_is_plain(d->frozen) || (d->overlay && !manifest_path_is_plain(d->overlay)))
            return vs_error("%s is invalid: disk %s: paths must be absolute, without '.' or '..' "
                            "components or a trailing '/'",
                            what, d->target);
        if (vs_streq(d->overlay, d->frozen))
            return vs_error("%s is invalid: disk %s: the overlay is its own backing file", what, d->target);
        for (size_t j = 0; j < i; j++) {
            const vs_rp_disk *o = &p->disks[j];
            if (vs_streq(d->target, o->target))
                return vs_error("%s is invalid: disk %s is listed twice", what, d->target);
            if (vs_streq(d->frozen, o->frozen) || vs_streq(d->frozen, o->overlay) ||
                (d->overlay && (vs_streq(d->overlay, o->overlay) || vs_streq(d->overlay, o->frozen))))
                return vs_error("%s is invalid: disks %s and %s share a file", what, o->target, d->target);
        }
    }
    return 0;
}

static vs_restore_point *parse(const char *xml, size_t len, const char *what)
{
    xmlDocPtr doc = manifest_xml_read(xml, len, schema(), what);
    if (!doc)
        return NULL;
    vs_restore_point *p = vs_xcalloc(1, sizeof(*p));
    if (read_point(xmlDocGetRootElement(doc), p) < 0) {
        vs_error("%s is invalid: a number is out of range", what);
        rpmanifest_free(vs_steal(&p));
    } else if (check_point(p, what) < 0) {
        rpmanifest_free(vs_steal(&p));
    }
    xmlFreeDoc(doc);
    return p;
}

vs_restore_point *rpmanifest_parse(const char *xml, size_t len, const char *source)
{
    autofree char *what = vs_asprintf("manifest '%s'", source);
    return parse(xml, len, what);
}

vs_restore_point *rpmanifest_load(const char *path)
{
    size_t len;
    autofree char *buf = manifest_read_file(path, &len);
    return buf ? rpmanifest_parse(buf, len, path) : NULL;
}

/* ---- writing -------------------------------------------------------------- */

static void add_prop_number(xmlNodePtr n, const char *name, unsigned long long v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", v);
    xmlNewProp(n, BAD_CAST name, BAD_CAST buf);
}

static void add_text(xmlNodePtr parent, const char *name, const char *value)
{
    xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST(value ? value : ""));
}

char *rpmanifest_format(const vs_restore_point *p)
{
    autofree char *what = vs_asprintf("the manifest of restore point '%s'", p->name ? p->name : "");
    if (p->created < 0 || p->paused_us < -1 || p->frozen_us < -1)
        return vs_error("%s is invalid: a time is negative", what), NULL;
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "restore-point");
    xmlDocSetRootElement(doc, root);
    xmlNewProp(root, BAD_CAST "version", BAD_CAST "1");
    add_text(root, "name", p->name);
    add_text(root, "domain", p->domain);
    add_text(root, "uuid", p->uuid);
    if (p->description)
        add_text(root, "description", p->description);
    if (p->parent)
        add_text(root, "parent", p->parent);
    manifest_xml_add_number(root, "created", (unsigned long long)p->created);
    add_text(root, "origin", p->origin);
    add_text(root, "domain-state", p->domain_state);
    add_text(root, "live", p->live ? "yes" : "no");
    add_text(root, "consistency", p->consistency);
    if (p->paused_us >= 0)
        manifest_xml_add_number(root, "paused-us", (unsigned long long)p->paused_us);
    if (p->frozen_us >= 0)
        manifest_xml_add_number(root, "frozen-us", (unsigned long long)p->frozen_us);
    xmlNodePtr v = xmlNewChild(root, NULL, BAD_CAST "versions", NULL);
    add_text(v, "tool", p->tool_version);
    add_text(v, "libvirt", p->libvirt_version);
    add_text(v, "qemu", p->qemu_version);
    if (p->has_memory) {
        xmlNodePtr m = xmlNewChild(root, NULL, BAD_CAST "memory", NULL);
        xmlNewProp(m, BAD_CAST "file", BAD_CAST VS_RP_MEMORY);
        add_prop_number(m, "size", p->memory_size);
        xmlNewProp(m, BAD_CAST "sha256", BAD_CAST(p->memory_sha256 ? p->memory_sha256 : ""));
    }
    xmlNodePtr def = xmlNewChild(root, NULL, BAD_CAST "definition", NULL);
    xmlNewProp(def, BAD_CAST "file", BAD_CAST VS_RP_DEFINITION);
    add_prop_number(def, "size", p->definition_size);
    xmlNewProp(def, BAD_CAST "sha256", BAD_CAST(p->definition_sha256 ? p->definition_sha256 : ""));
    xmlNodePtr disks = xmlNewChild(root, NULL, BAD_CAST "disks", NULL);
    for (size_t i = 0; i < p->ndisks; i++) {
        const vs_rp_disk *d = &p->disks[i];
        xmlNodePtr e = xmlNewChild(disks, NULL, BAD_CAST "disk", NULL);
        xmlNewProp(e, BAD_CAST "target", BAD_CAST(d->target ? d->target : ""));
        xmlNodePtr f = xmlNewTextChild(e, NULL, BAD_CAST "frozen", BAD_CAST(d->frozen ? d->frozen : ""));
        xmlNewProp(f, BAD_CAST "format", BAD_CAST(d->frozen_format ? d->frozen_format : ""));
        add_prop_number(f, "size", d->frozen_size);
        add_prop_number(f, "device", d->frozen_dev);
        add_prop_number(f, "inode", d->frozen_ino);
        add_prop_number(f, "mtime-ns", d->frozen_mtime);
        if (d->overlay)
            add_text(e, "overlay", d->overlay);
        manifest_xml_add_number(e, "virtual-size", d->virtual_size);
    }
    autofree char *text = manifest_xml_dump(doc, what);
    xmlFreeDoc(doc);
    if (!text)
        return NULL;
    /* Never hand out a manifest we would refuse to read back. */
    vs_restore_point *back = parse(text, strlen(text), what);
    if (!back)
        return NULL;
    rpmanifest_free(back);
    return vs_steal(&text);
}

int rpmanifest_write(const char *path, const vs_restore_point *p)
{
    autofree char *text = rpmanifest_format(p);
    if (!text)
        return -1;
    return store_write_atomic(path, text, strlen(text));
}

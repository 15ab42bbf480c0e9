#include "config.h"
#include "bkmanifest.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libxml/tree.h>

#include "manifest-xml.h"
#include "store.h"
#include "util.h"

void bkmanifest_free(vs_backup *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->ndisks; i++) {
        free(b->disks[i].target);
        free(b->disks[i].image);
        free(b->disks[i].image_sha256);
        free(b->disks[i].export_name);
        free(b->disks[i].export_bitmap);
    }
    free(b->disks);
    free(b->id);
    free(b->chain);
    free(b->domain);
    free(b->uuid);
    free(b->parent);
    free(b->consistency);
    free(b->checkpoint);
    free(b->checkpoint_xml);
    free(b->method);
    free(b->domain_xml);
    free(b);
}

char *bkmanifest_image_name(const char *id, const char *target)
{
    return vs_asprintf("%s.%s.qcow2", id, target);
}

const vs_bk_disk *bkmanifest_disk(const vs_backup *b, const char *target)
{
    for (size_t i = 0; i < b->ndisks; i++)
        if (vs_streq(b->disks[i].target, target))
            return &b->disks[i];
    return NULL;
}

static xmlRelaxNGPtr schema(void)
{
    static xmlRelaxNGPtr cache;
    return manifest_xml_schema(vs_schema_backup, &cache);
}

/* ---- reading -------------------------------------------------------------- */

static char *prop(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    char *s = v ? vs_xstrdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

/* An attribute the schema has checked to be digits, in range. */
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

static int read_count(xmlNodePtr n, long long *out)
{
    unsigned long long v;
    if (manifest_xml_number(n, LLONG_MAX, &v) < 0)
        return -1;
    *out = (long long)v;
    return 0;
}

static int read_disk(xmlNodePtr e, vs_bk_disk *d)
{
    d->target = prop(e, "target");
    for (xmlNodePtr n = e->children; n; n = n->next) {
        if (manifest_xml_is(n, "image")) {
            d->image = manifest_xml_text(n);
            d->image_sha256 = prop(n, "sha256");
            if (prop_number(n, "size", &d->image_size) < 0)
                return -1;
        } else if (manifest_xml_is(n, "export")) {
            d->export_name = manifest_xml_text(n);
            d->export_bitmap = prop(n, "bitmap");
        } else if (manifest_xml_is(n, "virtual-size")) {
            if (manifest_xml_number(n, ULLONG_MAX, &d->virtual_size) < 0)
                return -1;
        } else if (manifest_xml_is(n, "bytes-written")) {
            if (manifest_xml_number(n, ULLONG_MAX, &d->bytes_written) < 0)
                return -1;
        }
    }
    return 0;
}

static int read_backup(xmlNodePtr root, vs_backup *b)
{
    b->frozen_us = -1;
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *e = (const char *)n->name;
        if (vs_streq(e, "id")) {
            b->id = manifest_xml_text(n);
        } else if (vs_streq(e, "chain")) {
            b->chain = manifest_xml_text(n);
        } else if (vs_streq(e, "domain")) {
            b->domain = manifest_xml_text(n);
        } else if (vs_streq(e, "uuid")) {
            b->uuid = manifest_xml_text(n);
        } else if (vs_streq(e, "kind")) {
            autofree char *t = manifest_xml_text(n);
            b->incremental = vs_streq(t, "incremental");
        } else if (vs_streq(e, "parent")) {
            b->parent = manifest_xml_text(n);
        } else if (vs_streq(e, "status")) {
            autofree char *t = manifest_xml_text(n);
            b->complete = vs_streq(t, "complete");
        } else if (vs_streq(e, "mode")) {
            autofree char *t = manifest_xml_text(n);
            b->pull = vs_streq(t, "pull");
        } else if (vs_streq(e, "method")) {
            b->method = manifest_xml_text(n);
        } else if (vs_streq(e, "consistency")) {
            b->consistency = manifest_xml_text(n);
        } else if (vs_streq(e, "begin")) {
            if (read_count(n, &b->begin) < 0)
                return -1;
        } else if (vs_streq(e, "end")) {
            if (read_count(n, &b->end) < 0)
                return -1;
        } else if (vs_streq(e, "frozen-us")) {
            if (read_count(n, &b->frozen_us) < 0)
                return -1;
        } else if (vs_streq(e, "bytes-copied")) {
            if (manifest_xml_number(n, ULLONG_MAX, &b->bytes_copied) < 0)
                return -1;
        } else if (vs_streq(e, "checkpoint")) {
            b->checkpoint = prop(n, "name");
            b->checkpoint_xml = manifest_xml_text(n);
        } else if (vs_streq(e, "domain-xml")) {
            b->domain_xml = manifest_xml_text(n);
        } else if (vs_streq(e, "disks")) {
            for (xmlNodePtr d = n->children; d; d = d->next) {
                if (!manifest_xml_is(d, "disk"))
                    continue;
                b->disks = vs_xrealloc(b->disks, (b->ndisks + 1) * sizeof(*b->disks));
                b->disks[b->ndisks] = (vs_bk_disk){0};
                if (read_disk(d, &b->disks[b->ndisks++]) < 0)
                    return -1;
            }
        }
    }
    return 0;
}

/* What the schema cannot say. */
static int check_backup(const vs_backup *b, const char *what)
{
    if (!vs_name_is_safe(b->id) || !vs_name_is_safe(b->chain) || !vs_name_is_safe(b->domain) ||
        (b->parent && !vs_name_is_safe(b->parent)) || (b->checkpoint && !vs_name_is_safe(b->checkpoint)))
        return vs_error("%s is invalid: a name is not a safe file name", what);
    bool job = vs_streq(bkmanifest_method(b), "job");
    if (job != (b->checkpoint != NULL))
        return vs_error("%s is invalid: %s", what,
                        job ? "a job backup needs its checkpoint" : "only a job backup has a checkpoint");
    if (!job && (b->incremental || b->pull))
        return vs_error("%s is invalid: a %s backup is a full push backup", what, b->method);
    if (b->incremental != (b->parent != NULL))
        return vs_error("%s is invalid: %s", what,
                        b->incremental ? "an incremental backup needs its parent" : "a full backup has no parent");
    if (!b->incremental && !vs_streq(b->chain, b->id))
        return vs_error("%s is invalid: a full backup starts its own chain", what);
    if (b->incremental && (vs_streq(b->parent, b->id) || vs_streq(b->chain, b->id)))
        return vs_error("%s is invalid: an incremental backup is its own parent or chain", what);
    if (b->end < b->begin)
        return vs_error("%s is invalid: it ends before it begins", what);
    for (size_t i = 0; i < b->ndisks; i++) {
        const vs_bk_disk *d = &b->disks[i];
        autofree char *want = bkmanifest_image_name(b->id, d->target);
        if (b->pull != (d->image == NULL))
            return vs_error("%s is invalid: disk %s: %s", what, d->target,
                            b->pull ? "a pull backup has no image" : "a push backup needs its image");
        if (!b->pull && !vs_streq(d->image, want))
            return vs_error("%s is invalid: disk %s: the image must be named '%s'", what, d->target, want);
        for (size_t j = 0; j < i; j++)
            if (vs_streq(d->target, b->disks[j].target))
                return vs_error("%s is invalid: disk %s is listed twice", what, d->target);
    }
    return 0;
}

static vs_backup *parse(const char *xml, size_t len, const char *what)
{
    xmlDocPtr doc = manifest_xml_read(xml, len, schema(), what);
    if (!doc)
        return NULL;
    vs_backup *b = vs_xcalloc(1, sizeof(*b));
    if (read_backup(xmlDocGetRootElement(doc), b) < 0) {
        vs_error("%s is invalid: a number is out of range", what);
        bkmanifest_free(vs_steal(&b));
    } else if (check_backup(b, what) < 0) {
        bkmanifest_free(vs_steal(&b));
    }
    xmlFreeDoc(doc);
    return b;
}

vs_backup *bkmanifest_parse(const char *xml, size_t len, const char *source)
{
    autofree char *what = vs_asprintf("manifest '%s'", source);
    return parse(xml, len, what);
}

vs_backup *bkmanifest_load(const char *path)
{
    size_t len;
    autofree char *buf = manifest_read_file(path, &len);
    return buf ? bkmanifest_parse(buf, len, path) : NULL;
}

const char *bkmanifest_method(const vs_backup *b)
{
    return b->method ? b->method : "job";
}

/* ---- writing -------------------------------------------------------------- */

static void add_prop_number(xmlNodePtr n, const char *name, unsigned long long v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", v);
    xmlNewProp(n, BAD_CAST name, BAD_CAST buf);
}

static xmlNodePtr add_text(xmlNodePtr parent, const char *name, const char *value)
{
    return xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST(value ? value : ""));
}

char *bkmanifest_format(const vs_backup *b)
{
    autofree char *what = vs_asprintf("the manifest of backup '%s'", b->id ? b->id : "");
    if (b->begin < 0 || b->end < 0 || b->frozen_us < -1)
        return vs_error("%s is invalid: a time is negative", what), NULL;
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "backup");
    xmlDocSetRootElement(doc, root);
    xmlNewProp(root, BAD_CAST "version", BAD_CAST "1");
    add_text(root, "id", b->id);
    add_text(root, "chain", b->chain);
    add_text(root, "domain", b->domain);
    add_text(root, "uuid", b->uuid);
    add_text(root, "kind", b->incremental ? "incremental" : "full");
    if (b->parent)
        add_text(root, "parent", b->parent);
    add_text(root, "status", b->complete ? "complete" : "incomplete");
    add_text(root, "method", bkmanifest_method(b));
    add_text(root, "consistency", b->consistency);
    manifest_xml_add_number(root, "begin", (unsigned long long)b->begin);
    manifest_xml_add_number(root, "end", (unsigned long long)b->end);
    if (b->frozen_us >= 0)
        manifest_xml_add_number(root, "frozen-us", (unsigned long long)b->frozen_us);
    manifest_xml_add_number(root, "bytes-copied", b->bytes_copied);
    if (b->checkpoint || vs_streq(bkmanifest_method(b), "job")) {
        xmlNodePtr cp = add_text(root, "checkpoint", b->checkpoint_xml);
        xmlNewProp(cp, BAD_CAST "name", BAD_CAST(b->checkpoint ? b->checkpoint : ""));
    }
    /* Only pull backups say their mode: push manifests stay as before. */
    if (b->pull)
        add_text(root, "mode", "pull");
    if (b->domain_xml)
        add_text(root, "domain-xml", b->domain_xml);
    xmlNodePtr disks = xmlNewChild(root, NULL, BAD_CAST "disks", NULL);
    for (size_t i = 0; i < b->ndisks; i++) {
        const vs_bk_disk *d = &b->disks[i];
        xmlNodePtr e = xmlNewChild(disks, NULL, BAD_CAST "disk", NULL);
        xmlNewProp(e, BAD_CAST "target", BAD_CAST(d->target ? d->target : ""));
        if (b->pull) {
            xmlNodePtr ex = add_text(e, "export", d->export_name);
            if (d->export_bitmap)
                xmlNewProp(ex, BAD_CAST "bitmap", BAD_CAST d->export_bitmap);
        } else {
            xmlNodePtr img = add_text(e, "image", d->image);
            add_prop_number(img, "size", d->image_size);
            xmlNewProp(img, BAD_CAST "sha256", BAD_CAST(d->image_sha256 ? d->image_sha256 : ""));
        }
        manifest_xml_add_number(e, "virtual-size", d->virtual_size);
        manifest_xml_add_number(e, "bytes-written", d->bytes_written);
    }
    autofree char *text = manifest_xml_dump(doc, what);
    xmlFreeDoc(doc);
    if (!text)
        return NULL;
    /* Never hand out a manifest we would refuse to read back. */
    vs_backup *back = parse(text, strlen(text), what);
    if (!back)
        return NULL;
    bkmanifest_free(back);
    return vs_steal(&text);
}

int bkmanifest_write(const char *path, const vs_backup *b)
{
    autofree char *text = bkmanifest_format(b);
    if (!text)
        return -1;
    return store_write_atomic(path, text, strlen(text));
}

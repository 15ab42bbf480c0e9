#include "config.h"
#include "manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "manifest-xml.h"
#include "store.h"
#include "util.h"

#define MANIFEST_MAX_BYTES (1u << 20)

/* libxml2 2.12 made the structured error callback take a const error. */
#if LIBXML_VERSION >= 21200
typedef const xmlError vs_xml_error;
#else
typedef xmlError vs_xml_error;
#endif

void manifest_snapshot_free(vs_snapshot *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ndisks; i++) {
        free(s->disks[i].target);
        free(s->disks[i].overlay);
        free(s->disks[i].backing);
        free(s->disks[i].backing_format);
    }
    free(s->disks);
    free(s->name);
    free(s->domain);
    free(s->uuid);
    free(s->description);
    free(s->consistency);
    free(s->domain_state);
    free(s);
}

const vs_snap_disk *manifest_snapshot_disk(const vs_snapshot *s, const char *target)
{
    for (size_t i = 0; i < s->ndisks; i++)
        if (vs_streq(s->disks[i].target, target))
            return &s->disks[i];
    return NULL;
}

/* ---- schema validation ---------------------------------------------------- */

/* What a validation reports: libxml2 emits several messages per failure,
 * from the most detailed ("failed to compare type string") to its summary
 * ("Element consistency failed to validate content"). We keep the node of
 * the first one and the last message about that node. */
typedef struct {
    const void *node; /* compared only, never dereferenced */
    int line;
    char *name;
    char *message;
} xml_problem;

/* A libxml2 message on one line: some span two ("...\nBytes: 0xFF ..."). */
static char *one_line(const char *message)
{
    char *s = vs_xstrdup(message ? message : "");
    size_t len = strlen(s);
    while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
        s[--len] = '\0';
    for (char *c = s; (c = strchr(c, '\n'));)
        *c = ' ';
    return s;
}

static void note_problem(void *data, vs_xml_error *e)
{
    xml_problem *p = data;
    if (!e || !e->message)
        return;
    if (p->message && e->node != p->node)
        return;
    if (!p->message) {
        const xmlNode *n = e->node;
        p->node = n;
        p->line = e->line;
        p->name = n && n->type == XML_ELEMENT_NODE ? vs_xstrdup((const char *)n->name) : NULL;
    }
    free(p->message);
    p->message = one_line(e->message);
}

/* "line 8: element consistency: Element consistency failed to ..." */
static char *problem_text(xml_problem *p)
{
    char *t = !p->message ? vs_xstrdup("it does not match the schema")
              : p->name   ? vs_asprintf("line %d: element %s: %s", p->line, p->name, p->message)
                          : vs_asprintf("line %d: %s", p->line, p->message);
    free(p->name);
    free(p->message);
    return t;
}

/* A compiled-in schema, parsed on first use and kept for the process. */
xmlRelaxNGPtr manifest_xml_schema(const char *text, xmlRelaxNGPtr *cache)
{
    if (*cache)
        return *cache;
    xml_problem p = {0};
    xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewMemParserCtxt(text, (int)strlen(text));
    if (!pc)
        return vs_error("cannot load the manifest schema"), NULL;
    xmlRelaxNGSetParserStructuredErrors(pc, note_problem, &p);
    *cache = xmlRelaxNGParse(pc);
    xmlRelaxNGFreeParserCtxt(pc);
    autofree char *why = problem_text(&p);
    if (!*cache)
        vs_error("the compiled-in manifest schema is broken: %s", why);
    return *cache;
}

static xmlRelaxNGPtr disk_snapshot_schema(void)
{
    static xmlRelaxNGPtr schema;
    return manifest_xml_schema(vs_schema_disk_snapshot, &schema);
}

static int validate(xmlDocPtr doc, xmlRelaxNGPtr schema, const char *what)
{
    if (!schema)
        return -1;
    xmlRelaxNGValidCtxtPtr vc = xmlRelaxNGNewValidCtxt(schema);
    if (!vc)
        return vs_error("cannot validate %s: out of memory", what);
    xml_problem p = {0};
    /* Per-context hook: libxml2's global error handlers stay untouched. */
    xmlRelaxNGSetValidStructuredErrors(vc, note_problem, &p);
    int rc = xmlRelaxNGValidateDoc(vc, doc);
    xmlRelaxNGFreeValidCtxt(vc);
    autofree char *why = problem_text(&p);
    if (rc != 0)
        return vs_error("%s is invalid: %s", what, why);
    return 0;
}

/* ---- reading -------------------------------------------------------------- */

char *manifest_xml_text(xmlNodePtr n)
{
    xmlChar *c = xmlNodeGetContent(n);
    char *s = vs_xstrdup(c ? (const char *)c : "");
    xmlFree(c);
    return s;
}

/* Decimal digits only, as the schema has them, up to max. */
int manifest_xml_number(xmlNodePtr n, unsigned long long max, unsigned long long *out)
{
    autofree char *t = manifest_xml_text(n);
    unsigned long long v = 0;
    if (!*t)
        return -1;
    for (const char *c = t; *c; c++) {
        if (*c < '0' || *c > '9' || v > (max - (unsigned)(*c - '0')) / 10)
            return -1;
        v = v * 10 + (unsigned)(*c - '0');
    }
    *out = v;
    return 0;
}

bool manifest_xml_is(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0;
}

static int read_disk(xmlNodePtr e, vs_snap_disk *d)
{
    xmlChar *target = xmlGetProp(e, BAD_CAST "target");
    d->target = vs_xstrdup(target ? (const char *)target : "");
    xmlFree(target);
    for (xmlNodePtr n = e->children; n; n = n->next) {
        if (manifest_xml_is(n, "overlay")) {
            d->overlay = manifest_xml_text(n);
        } else if (manifest_xml_is(n, "backing")) {
            xmlChar *format = xmlGetProp(n, BAD_CAST "format");
            d->backing_format = vs_xstrdup(format ? (const char *)format : "");
            xmlFree(format);
            d->backing = manifest_xml_text(n);
        } else if (manifest_xml_is(n, "virtual-size")) {
            if (manifest_xml_number(n, ULLONG_MAX, &d->virtual_size) < 0)
                return -1;
        } else if (manifest_xml_is(n, "backing-size")) {
            if (manifest_xml_number(n, ULLONG_MAX, &d->backing_size) < 0)
                return -1;
        }
    }
    return 0;
}

/* Fills s from a document the schema accepted, so every element is known to
 * be there and in order; only number ranges can still fail. */
static int read_snapshot(xmlNodePtr root, vs_snapshot *s)
{
    unsigned long long v;
    s->frozen_us = -1;
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (manifest_xml_is(n, "name")) {
            s->name = manifest_xml_text(n);
        } else if (manifest_xml_is(n, "domain")) {
            s->domain = manifest_xml_text(n);
        } else if (manifest_xml_is(n, "uuid")) {
            s->uuid = manifest_xml_text(n);
        } else if (manifest_xml_is(n, "description")) {
            s->description = manifest_xml_text(n);
        } else if (manifest_xml_is(n, "created")) {
            if (manifest_xml_number(n, LLONG_MAX, &v) < 0)
                return -1;
            s->created = (long long)v;
        } else if (manifest_xml_is(n, "consistency")) {
            s->consistency = manifest_xml_text(n);
        } else if (manifest_xml_is(n, "domain-state")) {
            s->domain_state = manifest_xml_text(n);
        } else if (manifest_xml_is(n, "frozen-us")) {
            if (manifest_xml_number(n, LLONG_MAX, &v) < 0)
                return -1;
            s->frozen_us = (long long)v;
        } else if (manifest_xml_is(n, "disks")) {
            for (xmlNodePtr d = n->children; d; d = d->next) {
                if (!manifest_xml_is(d, "disk"))
                    continue;
                s->disks = vs_xrealloc(s->disks, (s->ndisks + 1) * sizeof(*s->disks));
                s->disks[s->ndisks] = (vs_snap_disk){0};
                if (read_disk(d, &s->disks[s->ndisks++]) < 0)
                    return -1;
            }
        }
    }
    return 0;
}

/* Absolute, with no "." or ".." component and no trailing "/": the path
 * names the file it says, whatever the working directory or symlinks to
 * directories. */
bool manifest_path_is_plain(const char *path)
{
    if (path[0] != '/' || path[strlen(path) - 1] == '/')
        return false;
    for (const char *c = path; *c;) {
        while (*c == '/')
            c++;
        size_t n = strcspn(c, "/");
        if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return false;
        c += n;
    }
    return true;
}

/* What the schema cannot say: names and paths are checked again here before
 * anyone uses them. */
static int check_snapshot(const vs_snapshot *s, const char *what)
{
    if (!vs_name_is_safe(s->name))
        return vs_error("%s is invalid: the snapshot name is not a safe file name", what);
    if (!vs_name_is_safe(s->domain))
        return vs_error("%s is invalid: the domain name is not a safe file name", what);
    for (size_t i = 0; i < s->ndisks; i++) {
        const vs_snap_disk *d = &s->disks[i];
        if (!manifest_path_is_plain(d->overlay) || !manifest_path_is_plain(d->backing))
            return vs_error("%s is invalid: disk %s: paths must be absolute, without '.' or '..' "
                            "components or a trailing '/'", what, d->target);
        if (strcmp(d->overlay, d->backing) == 0)
            return vs_error("%s is invalid: disk %s: the overlay is its own backing file", what, d->target);
        for (size_t j = 0; j < i; j++) {
            const vs_snap_disk *o = &s->disks[j];
            if (strcmp(d->target, o->target) == 0)
                return vs_error("%s is invalid: disk %s is listed twice", what, d->target);
            if (vs_streq(d->overlay, o->overlay) || vs_streq(d->overlay, o->backing) ||
                vs_streq(d->backing, o->overlay) || vs_streq(d->backing, o->backing))
                return vs_error("%s is invalid: disks %s and %s share a file", what, o->target, d->target);
        }
    }
    return 0;
}

/* Parses manifest text and validates it against the schema: the document,
 * or NULL after reporting. 'what' names the text in messages ("manifest
 * '/x/manifest.xml'"). */
xmlDocPtr manifest_xml_read(const char *xml, size_t len, xmlRelaxNGPtr schema, const char *what)
{
    if (len > MANIFEST_MAX_BYTES)
        return vs_error("%s is larger than 1 MiB; that is no manifest", what), NULL;
    if (memchr(xml, '\0', len))
        return vs_error("%s contains a NUL byte; that is no manifest", what), NULL;

    /* NONET: nothing is fetched; without NOENT and DTDLOAD no external
     * entity is read either, and a DTD is refused below anyway. NOERROR
     * keeps libxml2 quiet: its last error makes our one message. */
    xmlParserCtxtPtr pc = xmlNewParserCtxt();
    if (!pc)
        return vs_error("cannot read %s: out of memory", what), NULL;
    xmlDocPtr doc = xmlCtxtReadMemory(pc, xml, (int)len, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(pc);
        autofree char *why = one_line(e ? e->message : NULL);
        vs_error("%s is not well-formed XML: line %d: %s", what, e ? e->line : 0, why);
        xmlFreeParserCtxt(pc);
        return NULL;
    }
    xmlFreeParserCtxt(pc);
    if (doc->intSubset || doc->extSubset) {
        vs_error("%s has a document type declaration; manifests must not have one", what);
    } else if (validate(doc, schema, what) == 0) {
        return doc;
    }
    xmlFreeDoc(doc);
    return NULL;
}

static vs_snapshot *parse_manifest(const char *xml, size_t len, const char *what)
{
    xmlDocPtr doc = manifest_xml_read(xml, len, disk_snapshot_schema(), what);
    if (!doc)
        return NULL;
    vs_snapshot *s = vs_xcalloc(1, sizeof(*s));
    if (read_snapshot(xmlDocGetRootElement(doc), s) < 0) {
        vs_error("%s is invalid: a number is out of range", what);
        manifest_snapshot_free(vs_steal(&s));
    } else if (check_snapshot(s, what) < 0) {
        manifest_snapshot_free(vs_steal(&s));
    }
    xmlFreeDoc(doc);
    return s;
}

vs_snapshot *manifest_snapshot_parse(const char *xml, size_t len, const char *source)
{
    autofree char *what = vs_asprintf("manifest '%s'", source);
    return parse_manifest(xml, len, what);
}

char *manifest_read_file(const char *path, size_t *len)
{
    /* O_NONBLOCK: a FIFO put in the manifest's place must not hang us. */
    autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0)
        return vs_error("cannot open manifest '%s': %s", path, strerror(errno)), NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return vs_error("manifest '%s' is not a regular file", path), NULL;

    /* Read one byte past the limit rather than trust st_size. */
    autofree char *buf = vs_xmalloc(MANIFEST_MAX_BYTES + 2);
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fd, buf + got, MANIFEST_MAX_BYTES + 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return vs_error("cannot read manifest '%s': %s", path, strerror(errno)), NULL;
        got += (size_t)r;
        if (r == 0 || got > MANIFEST_MAX_BYTES)
            break;
    }
    buf[got] = '\0'; /* the text is used as a C string too */
    *len = got;
    return vs_steal(&buf);
}

vs_snapshot *manifest_snapshot_load(const char *path)
{
    size_t len;
    autofree char *buf = manifest_read_file(path, &len);
    return buf ? manifest_snapshot_parse(buf, len, path) : NULL;
}

/* ---- writing -------------------------------------------------------------- */

void manifest_xml_add_number(xmlNodePtr parent, const char *name, unsigned long long v)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", v);
    xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST buf);
}

char *manifest_xml_dump(xmlDocPtr doc, const char *what)
{
    xmlChar *out = NULL;
    int len = 0;
    xmlDocDumpFormatMemoryEnc(doc, &out, &len, "UTF-8", 1);
    if (!out || len <= 0) {
        xmlFree(out);
        return vs_error("cannot format %s", what), NULL;
    }
    char *text = vs_xstrndup((const char *)out, (size_t)len);
    xmlFree(out);
    return text;
}

char *manifest_snapshot_format(const vs_snapshot *s)
{
    autofree char *what = vs_asprintf("the manifest of snapshot '%s'", s->name ? s->name : "");
    if (s->created < 0 || s->frozen_us < -1)
        return vs_error("%s is invalid: created or frozen-us is negative", what), NULL;

    /* xmlNewTextChild and xmlNewProp escape what they are given. */
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "disk-snapshot");
    xmlDocSetRootElement(doc, root);
    xmlNewProp(root, BAD_CAST "version", BAD_CAST "1");
    xmlNewTextChild(root, NULL, BAD_CAST "name", BAD_CAST s->name);
    xmlNewTextChild(root, NULL, BAD_CAST "domain", BAD_CAST s->domain);
    xmlNewTextChild(root, NULL, BAD_CAST "uuid", BAD_CAST s->uuid);
    if (s->description)
        xmlNewTextChild(root, NULL, BAD_CAST "description", BAD_CAST s->description);
    manifest_xml_add_number(root, "created", (unsigned long long)s->created);
    xmlNewTextChild(root, NULL, BAD_CAST "consistency", BAD_CAST s->consistency);
    xmlNewTextChild(root, NULL, BAD_CAST "domain-state", BAD_CAST s->domain_state);
    if (s->frozen_us >= 0)
        manifest_xml_add_number(root, "frozen-us", (unsigned long long)s->frozen_us);
    xmlNodePtr disks = xmlNewChild(root, NULL, BAD_CAST "disks", NULL);
    for (size_t i = 0; i < s->ndisks; i++) {
        const vs_snap_disk *d = &s->disks[i];
        xmlNodePtr e = xmlNewChild(disks, NULL, BAD_CAST "disk", NULL);
        xmlNewProp(e, BAD_CAST "target", BAD_CAST d->target);
        xmlNewTextChild(e, NULL, BAD_CAST "overlay", BAD_CAST d->overlay);
        xmlNodePtr b = xmlNewTextChild(e, NULL, BAD_CAST "backing", BAD_CAST d->backing);
        xmlNewProp(b, BAD_CAST "format", BAD_CAST d->backing_format);
        manifest_xml_add_number(e, "virtual-size", d->virtual_size);
        manifest_xml_add_number(e, "backing-size", d->backing_size);
    }
    autofree char *text = manifest_xml_dump(doc, what);
    xmlFreeDoc(doc);
    if (!text)
        return NULL;

    /* Never hand out a manifest we would refuse to read back: this catches
     * what the tree API lets through (missing fields, bad values, control
     * characters or invalid UTF-8 in strings). */
    vs_snapshot *back = parse_manifest(text, strlen(text), what);
    if (!back)
        return NULL;
    manifest_snapshot_free(back);
    return vs_steal(&text);
}

int manifest_snapshot_write(const char *path, const vs_snapshot *s)
{
    autofree char *text = manifest_snapshot_format(s);
    if (!text)
        return -1;
    return store_write_atomic(path, text, strlen(text));
}

#include "config.h"
#include "domain.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "conn.h"
#include "util.h"

#define MAX_XML_FILE (4u << 20)

const char *domain_state_name(int state)
{
    switch (state) {
    case VIR_DOMAIN_RUNNING: return "running";
    case VIR_DOMAIN_BLOCKED: return "idle";
    case VIR_DOMAIN_PAUSED: return "paused";
    case VIR_DOMAIN_SHUTDOWN: return "in shutdown";
    case VIR_DOMAIN_SHUTOFF: return "shut off";
    case VIR_DOMAIN_CRASHED: return "crashed";
    case VIR_DOMAIN_PMSUSPENDED: return "pmsuspended";
    default: return "no state";
    }
}

int domain_state(virDomainPtr dom)
{
    int state, reason;
    if (virDomainGetState(dom, &state, &reason, 0) < 0)
        return conn_error("cannot get the domain's state");
    return state;
}

char *domain_uuid_string(virDomainPtr dom)
{
    char buf[VIR_UUID_STRING_BUFLEN];
    if (virDomainGetUUIDString(dom, buf) < 0)
        return NULL;
    return vs_xstrdup(buf);
}

static xmlDocPtr parse_domain_xml(const char *text, size_t len, const char *what)
{
    xmlDocPtr doc = xmlReadMemory(text, (int)len, NULL, NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        vs_error("%s is not well-formed XML", what);
        return NULL;
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (doc->intSubset || doc->extSubset) {
        vs_error("%s has a document type declaration; domain XML must not have one", what);
        xmlFreeDoc(doc);
        return NULL;
    }
    if (!root || xmlStrcmp(root->name, BAD_CAST "domain") != 0) {
        vs_error("%s is not a domain definition (its root element is not <domain>)", what);
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

char *domain_read_xml_file(const char *path)
{
    autoclose int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;

    if (fd < 0)
        return vs_error("cannot open '%s': %s", path, strerror(errno)), NULL;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return vs_error("'%s' is not a regular file", path), NULL;
    if ((unsigned long long)st.st_size > MAX_XML_FILE)
        return vs_error("'%s' is larger than %u MiB; that is no domain XML", path, MAX_XML_FILE >> 20), NULL;
    autofree char *buf = vs_xmalloc((size_t)st.st_size + 1);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return vs_error("cannot read '%s': %s", path, r < 0 ? strerror(errno) : "short read"), NULL;
        got += (size_t)r;
    }
    buf[got] = '\0';
    if (strlen(buf) != got)
        return vs_error("'%s' contains a NUL byte; that is no domain XML", path), NULL;
    autofree char *what = vs_asprintf("'%s'", path);
    xmlDocPtr doc = parse_domain_xml(buf, got, what);
    if (!doc)
        return NULL;
    xmlFreeDoc(doc);
    return vs_steal(&buf);
}

char *domain_xml_name(const char *xml)
{
    xmlDocPtr doc = parse_domain_xml(xml, strlen(xml), "the domain XML");
    char *name = NULL;
    if (!doc)
        return NULL;
    for (xmlNodePtr n = xmlDocGetRootElement(doc)->children; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST "name") == 0) {
            xmlChar *c = xmlNodeGetContent(n);
            name = c ? vs_xstrdup((const char *)c) : NULL;
            xmlFree(c);
            break;
        }
    xmlFreeDoc(doc);
    return name;
}

/* ---- disks ------------------------------------------------------------ */

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, BAD_CAST name) == 0)
            return c;
    return NULL;
}

static char *attr(xmlNodePtr n, const char *name)
{
    if (!n)
        return NULL;
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    char *s = v ? vs_xstrdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

void domain_disks_free(vs_disk *d, size_t n)
{
    for (size_t i = 0; d && i < n; i++) {
        free(d[i].target);
        free(d[i].type);
        free(d[i].device);
        free(d[i].source);
        free(d[i].format);
        free(d[i].backing);
        free(d[i].backing_format);
    }
    free(d);
}

int domain_disks_from_xml(const char *xml, vs_disk **out, size_t *n)
{
    xmlDocPtr doc = parse_domain_xml(xml, strlen(xml), "the domain XML");
    *out = NULL;
    *n = 0;
    if (!doc)
        return -1;
    xmlNodePtr devices = child(xmlDocGetRootElement(doc), "devices");
    vs_disk *d = NULL;
    size_t k = 0;
    for (xmlNodePtr c = devices ? devices->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || xmlStrcmp(c->name, BAD_CAST "disk") != 0)
            continue;
        d = vs_xrealloc(d, (k + 1) * sizeof(*d));
        vs_disk *x = &d[k++];
        memset(x, 0, sizeof(*x));
        x->target = attr(child(c, "target"), "dev");
        x->type = attr(c, "type");
        x->device = attr(c, "device");
        if (!x->device)
            x->device = vs_xstrdup("disk");
        if (vs_streq(x->type, "file"))
            x->source = attr(child(c, "source"), "file");
        x->format = attr(child(c, "driver"), "type");
        x->readonly = child(c, "readonly") != NULL;
        xmlNodePtr bs = child(c, "backingStore");
        if (bs && vs_streq((const char *)bs->name, "backingStore")) {
            autofree char *bt = attr(bs, "type");
            if (vs_streq(bt, "file")) {
                x->backing = attr(child(bs, "source"), "file");
                x->backing_format = attr(child(bs, "format"), "type");
            }
        }
        if (!x->target) {
            xmlFreeDoc(doc);
            domain_disks_free(d, k);
            return vs_error("the domain XML has a disk without <target dev>");
        }
    }
    xmlFreeDoc(doc);
    *out = d;
    *n = k;
    return 0;
}

int domain_disks(virDomainPtr dom, bool inactive, vs_disk **out, size_t *n)
{
    autofree char *xml = virDomainGetXMLDesc(dom, inactive ? VIR_DOMAIN_XML_INACTIVE : 0);
    if (!xml)
        return conn_error("cannot read the domain's definition");
    return domain_disks_from_xml(xml, out, n);
}

const vs_disk *domain_disk_find(const vs_disk *d, size_t n, const char *target)
{
    for (size_t i = 0; i < n; i++)
        if (vs_streq(d[i].target, target))
            return &d[i];
    return NULL;
}

char *domain_xml_set_disk_sources(const char *xml, size_t n, const char *const *target,
                                  const char *const *source, const char *const *format)
{
    xmlDocPtr doc = parse_domain_xml(xml, strlen(xml), "the domain XML");
    if (!doc)
        return NULL;
    xmlNodePtr devices = child(xmlDocGetRootElement(doc), "devices");
    for (size_t i = 0; i < n; i++) {
        xmlNodePtr disk = NULL;
        for (xmlNodePtr c = devices ? devices->children : NULL; c && !disk; c = c->next) {
            if (c->type != XML_ELEMENT_NODE || xmlStrcmp(c->name, BAD_CAST "disk") != 0)
                continue;
            autofree char *t = attr(child(c, "target"), "dev");
            if (vs_streq(t, target[i]))
                disk = c;
        }
        if (!disk) {
            xmlFreeDoc(doc);
            return vs_error("the domain has no disk '%s'", target[i]), NULL;
        }
        xmlSetProp(disk, BAD_CAST "type", BAD_CAST "file");
        xmlNodePtr src = child(disk, "source");
        if (!src)
            src = xmlNewChild(disk, NULL, BAD_CAST "source", NULL);
        /* Drop attributes of other source types (dev=, pool=, protocol=). */
        while (src->properties)
            xmlRemoveProp(src->properties);
        xmlSetProp(src, BAD_CAST "file", BAD_CAST source[i]);
        xmlNodePtr drv = child(disk, "driver");
        if (!drv) {
            drv = xmlNewChild(disk, NULL, BAD_CAST "driver", NULL);
            xmlSetProp(drv, BAD_CAST "name", BAD_CAST "qemu");
        }
        xmlSetProp(drv, BAD_CAST "type", BAD_CAST format[i]);
        xmlNodePtr bs;
        while ((bs = child(disk, "backingStore"))) {
            xmlUnlinkNode(bs);
            xmlFreeNode(bs);
        }
    }
    xmlChar *buf = NULL;
    int len = 0;
    xmlDocDumpMemory(doc, &buf, &len);
    xmlFreeDoc(doc);
    char *s = buf ? vs_xstrndup((const char *)buf, (size_t)len) : NULL;
    xmlFree(buf);
    if (!s)
        vs_error("cannot write the domain XML");
    return s;
}

int domain_redefine_disks(virDomainPtr dom, size_t n, const char *const *target, const char *const *source,
                          const char *const *format)
{
    autofree char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
    if (!xml)
        return conn_error("cannot read the domain's persistent definition");
    autofree char *nxml = domain_xml_set_disk_sources(xml, n, target, source, format);
    if (!nxml)
        return -1;
    virDomainPtr d = virDomainDefineXML(virDomainGetConnect(dom), nxml);
    if (!d)
        return conn_error("cannot update the domain's persistent definition");
    virDomainFree(d);
    return 0;
}

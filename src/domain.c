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

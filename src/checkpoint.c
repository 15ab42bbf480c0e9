#include "config.h"
#include "checkpoint.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "conn.h"
#include "qemuimg.h"
#include "util.h"

/* True when the checkpoint's XML names, for some disk of targets[], a
 * bitmap missing from that disk's list. */
static bool lacks_bitmap(const char *xml, size_t n, const char *const *targets, char **const *bitmaps)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
    if (!doc)
        return false;
    bool missing = false;
    xmlXPathContextPtr xc = xmlXPathNewContext(doc);
    xmlXPathObjectPtr r = xc ? xmlXPathEvalExpression(BAD_CAST "/domaincheckpoint/disks/disk[@checkpoint='bitmap']", xc)
                             : NULL;
    for (int i = 0; r && r->nodesetval && i < r->nodesetval->nodeNr && !missing; i++) {
        xmlNodePtr d = r->nodesetval->nodeTab[i];
        xmlChar *name = xmlGetProp(d, BAD_CAST "name");
        xmlChar *bitmap = xmlGetProp(d, BAD_CAST "bitmap");
        for (size_t k = 0; k < n && name && bitmap; k++)
            if (vs_streq(targets[k], (const char *)name) && !vs_strv_contains(bitmaps[k], (const char *)bitmap))
                missing = true;
        xmlFree(name);
        xmlFree(bitmap);
    }
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(xc);
    xmlFreeDoc(doc);
    return missing;
}

int checkpoint_drop_missing(virDomainPtr dom, size_t n, const char *const *targets, const char *const *images)
{
    virDomainCheckpointPtr *cps = NULL;
    int ncp = virDomainListAllCheckpoints(dom, &cps, VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL);
    if (ncp < 0)
        return conn_error("cannot list the domain's checkpoints");
    if (ncp == 0) {
        free(cps);
        return 0;
    }
    char ***bitmaps = vs_xcalloc(n, sizeof(char **));
    int ret = 0;
    for (size_t k = 0; k < n; k++) {
        bool ok;
        bitmaps[k] = qemuimg_bitmap_names(images[k], &ok);
        if (!ok)
            ret = -1;
    }
    /* Children first: the list is topological, parents before children. */
    for (int i = ncp - 1; i >= 0 && ret >= 0; i--) {
        autofree char *xml = virDomainCheckpointGetXMLDesc(cps[i], VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN);
        if (!xml || !lacks_bitmap(xml, n, targets, bitmaps))
            continue;
        const char *name = virDomainCheckpointGetName(cps[i]);
        autofree char *keep = vs_xstrdup(name);
        if (virDomainCheckpointDelete(cps[i], VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY) < 0) {
            autofree char *what = vs_asprintf("cannot remove checkpoint '%s'", keep);
            ret = conn_error(what);
            break;
        }
        vs_info("checkpoint '%s' no longer applies (its bitmap is not in the state gone back to): removed "
                "its metadata; the next backup of those disks is a full one",
                keep);
        ret++;
    }
    for (int i = 0; i < ncp; i++)
        virDomainCheckpointFree(cps[i]);
    free(cps);
    for (size_t k = 0; k < n; k++)
        vs_strv_free(bitmaps[k]);
    free(bitmaps);
    return ret;
}

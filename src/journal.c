#include "config.h"
#include "journal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "store.h"
#include "util.h"

typedef struct {
    char *name;
    vs_step_state state;
    char *time;
} journal_step_rec;

struct vs_journal {
    char *path;
    char *dir;
    char *id;
    char *operation;
    char *domain;
    char *uuid;
    char *started;
    long pid;
    char **keys;
    char **values;
    size_t nparams;
    journal_step_rec *steps;
    size_t nsteps;
};

static char *now_iso8601(void)
{
    char buf[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return vs_xstrdup(buf);
}

void journal_free(vs_journal *j)
{
    if (!j)
        return;
    free(j->path);
    free(j->dir);
    free(j->id);
    free(j->operation);
    free(j->domain);
    free(j->uuid);
    free(j->started);
    for (size_t i = 0; i < j->nparams; i++) {
        free(j->keys[i]);
        free(j->values[i]);
    }
    free(j->keys);
    free(j->values);
    for (size_t i = 0; i < j->nsteps; i++) {
        free(j->steps[i].name);
        free(j->steps[i].time);
    }
    free(j->steps);
    free(j);
}

static const char *state_name(vs_step_state s)
{
    return s == VS_STEP_DONE ? "done" : s == VS_STEP_BEGUN ? "begun" : "none";
}

static int journal_write(vs_journal *j)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "operation");
    char pid[32];

    xmlDocSetRootElement(doc, root);
    snprintf(pid, sizeof(pid), "%ld", j->pid);
    xmlNewProp(root, BAD_CAST "id", BAD_CAST j->id);
    xmlNewProp(root, BAD_CAST "type", BAD_CAST j->operation);
    xmlNewProp(root, BAD_CAST "domain", BAD_CAST j->domain);
    if (j->uuid)
        xmlNewProp(root, BAD_CAST "uuid", BAD_CAST j->uuid);
    xmlNewProp(root, BAD_CAST "pid", BAD_CAST pid);
    xmlNewProp(root, BAD_CAST "started", BAD_CAST j->started);
    for (size_t i = 0; i < j->nparams; i++) {
        xmlNodePtr p = xmlNewChild(root, NULL, BAD_CAST "param", NULL);
        xmlNewProp(p, BAD_CAST "name", BAD_CAST j->keys[i]);
        xmlNewProp(p, BAD_CAST "value", BAD_CAST j->values[i]);
    }
    for (size_t i = 0; i < j->nsteps; i++) {
        xmlNodePtr s = xmlNewChild(root, NULL, BAD_CAST "step", NULL);
        xmlNewProp(s, BAD_CAST "name", BAD_CAST j->steps[i].name);
        xmlNewProp(s, BAD_CAST "state", BAD_CAST state_name(j->steps[i].state));
        xmlNewProp(s, BAD_CAST "time", BAD_CAST j->steps[i].time);
    }
    xmlChar *buf = NULL;
    int len = 0;
    xmlDocDumpFormatMemoryEnc(doc, &buf, &len, "UTF-8", 1);
    xmlFreeDoc(doc);
    int rc = store_write_atomic(j->path, buf, (size_t)len);
    xmlFree(buf);
    return rc;
}

vs_journal *journal_begin(const char *domain_dir, const char *operation, const char *domain,
                          const char *uuid)
{
    vs_journal *j = vs_xcalloc(1, sizeof(*j));
    char stamp[32];
    time_t t = time(NULL);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    j->dir = vs_asprintf("%s/journal", domain_dir);
    j->id = vs_asprintf("%s-%s-%ld", operation, stamp, (long)getpid());
    j->path = vs_asprintf("%s/%s.xml", j->dir, j->id);
    j->operation = vs_xstrdup(operation);
    j->domain = vs_xstrdup(domain);
    j->uuid = uuid ? vs_xstrdup(uuid) : NULL;
    j->started = now_iso8601();
    j->pid = (long)getpid();
    if (store_mkdirs(j->dir) < 0 || journal_write(j) < 0) {
        journal_free(j);
        return NULL;
    }
    return j;
}

void journal_set(vs_journal *j, const char *key, const char *value)
{
    for (size_t i = 0; i < j->nparams; i++)
        if (strcmp(j->keys[i], key) == 0) {
            free(j->values[i]);
            j->values[i] = vs_xstrdup(value);
            return;
        }
    j->keys = vs_xrealloc(j->keys, (j->nparams + 1) * sizeof(*j->keys));
    j->values = vs_xrealloc(j->values, (j->nparams + 1) * sizeof(*j->values));
    j->keys[j->nparams] = vs_xstrdup(key);
    j->values[j->nparams] = vs_xstrdup(value);
    j->nparams++;
}

static journal_step_rec *find_step(const vs_journal *j, const char *step)
{
    for (size_t i = 0; i < j->nsteps; i++)
        if (strcmp(j->steps[i].name, step) == 0)
            return &j->steps[i];
    return NULL;
}

static int record(vs_journal *j, const char *step, vs_step_state state)
{
    journal_step_rec *s = find_step(j, step);
    if (!s) {
        j->steps = vs_xrealloc(j->steps, (j->nsteps + 1) * sizeof(*j->steps));
        s = &j->steps[j->nsteps++];
        s->name = vs_xstrdup(step);
        s->time = NULL;
    }
    s->state = state;
    free(s->time);
    s->time = now_iso8601();
    if (journal_write(j) < 0)
        return -1;
    journal_fault_point(j->operation, step, state == VS_STEP_DONE);
    return 0;
}

int journal_step(vs_journal *j, const char *step)
{
    vs_debug("%s: step %s", j->id, step);
    return record(j, step, VS_STEP_BEGUN);
}

int journal_step_done(vs_journal *j, const char *step)
{
    return record(j, step, VS_STEP_DONE);
}

int journal_finish(vs_journal *j)
{
    if (unlink(j->path) < 0 && errno != ENOENT)
        return vs_error("cannot remove journal '%s': %s", j->path, strerror(errno));
    return store_fsync_dir(j->dir);
}

void journal_fault_point(const char *operation, const char *step, bool done)
{
    const char *at = getenv("VIRT_STATE_FAULT_AT");
    if (!at || !*at)
        return;
    autofree char *want = vs_asprintf("%s:%s%s", operation, step, done ? ":done" : "");
    if (strcmp(at, want) != 0)
        return;
    fprintf(stderr, "virt-state: fault injection: killed at %s\n", want);
    fflush(stderr);
    raise(SIGKILL);
}

static char *prop(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, BAD_CAST name);
    if (!v)
        return NULL;
    char *s = vs_xstrdup((const char *)v);
    xmlFree(v);
    return s;
}

vs_journal *journal_load(const char *path)
{
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        vs_error("journal '%s' cannot be read or is not well-formed XML", path);
        return NULL;
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    vs_journal *j = vs_xcalloc(1, sizeof(*j));
    autofree char *pid = NULL;

    if (!root || doc->intSubset || xmlStrcmp(root->name, BAD_CAST "operation") != 0)
        goto bad;
    j->path = vs_xstrdup(path);
    {
        autofree char *copy = vs_xstrdup(path);
        char *slash = strrchr(copy, '/');
        if (slash)
            *slash = '\0';
        j->dir = vs_xstrdup(slash ? copy : ".");
    }
    j->id = prop(root, "id");
    j->operation = prop(root, "type");
    j->domain = prop(root, "domain");
    j->uuid = prop(root, "uuid");
    j->started = prop(root, "started");
    pid = prop(root, "pid");
    if (!j->id || !j->operation || !j->domain || !j->started || !vs_name_is_safe(j->domain))
        goto bad;
    j->pid = pid ? strtol(pid, NULL, 10) : 0;
    for (xmlNodePtr n = root->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        autofree char *name = prop(n, "name");
        if (!name)
            goto bad;
        if (xmlStrcmp(n->name, BAD_CAST "param") == 0) {
            autofree char *value = prop(n, "value");
            if (!value)
                goto bad;
            journal_set(j, name, value);
        } else if (xmlStrcmp(n->name, BAD_CAST "step") == 0) {
            autofree char *state = prop(n, "state");
            vs_step_state st = vs_streq(state, "done") ? VS_STEP_DONE
                               : vs_streq(state, "begun") ? VS_STEP_BEGUN
                                                           : VS_STEP_NONE;
            if (st == VS_STEP_NONE)
                goto bad;
            j->steps = vs_xrealloc(j->steps, (j->nsteps + 1) * sizeof(*j->steps));
            j->steps[j->nsteps].name = vs_steal(&name);
            j->steps[j->nsteps].state = st;
            j->steps[j->nsteps].time = prop(n, "time");
            j->nsteps++;
        } else {
            goto bad;
        }
    }
    xmlFreeDoc(doc);
    return j;

bad:
    vs_error("journal '%s' is not a valid virt-state journal", path);
    xmlFreeDoc(doc);
    journal_free(j);
    return NULL;
}

char **journal_list(const char *domain_dir)
{
    autofree char *dir = vs_asprintf("%s/journal", domain_dir);
    char **names = vs_list_dir(dir, ".xml");

    /* Full paths, in the same (sorted) order. */
    for (char **p = names; p && *p; p++) {
        char *path = vs_asprintf("%s/%s", dir, *p);
        free(*p);
        *p = path;
    }
    return names;
}

const char *journal_id(const vs_journal *j) { return j->id; }
const char *journal_operation(const vs_journal *j) { return j->operation; }
const char *journal_domain(const vs_journal *j) { return j->domain; }
const char *journal_uuid(const vs_journal *j) { return j->uuid; }
const char *journal_path(const vs_journal *j) { return j->path; }

const char *journal_get(const vs_journal *j, const char *key)
{
    for (size_t i = 0; i < j->nparams; i++)
        if (strcmp(j->keys[i], key) == 0)
            return j->values[i];
    return NULL;
}

vs_step_state journal_step_state(const vs_journal *j, const char *step)
{
    journal_step_rec *s = find_step(j, step);
    return s ? s->state : VS_STEP_NONE;
}

const char *journal_last_step(const vs_journal *j, vs_step_state *state)
{
    if (!j->nsteps) {
        *state = VS_STEP_NONE;
        return NULL;
    }
    *state = j->steps[j->nsteps - 1].state;
    return j->steps[j->nsteps - 1].name;
}

void journal_set_disk(vs_journal *j, size_t i, const char *field, const char *value)
{
    char key[64];
    snprintf(key, sizeof(key), "disk.%zu.%s", i, field);
    journal_set(j, key, value);
}

const char *journal_get_disk(const vs_journal *j, size_t i, const char *field)
{
    char key[64];
    snprintf(key, sizeof(key), "disk.%zu.%s", i, field);
    return journal_get(j, key);
}

void journal_set_disk_count(vs_journal *j, size_t n)
{
    char val[32];
    snprintf(val, sizeof(val), "%zu", n);
    journal_set(j, "disks", val);
}

size_t journal_disk_count(const vs_journal *j, const char *what)
{
    const char *v = journal_get(j, "disks");
    unsigned long n = 0;
    if (!v || vs_parse_ulong(v, 64, &n) < 0 || n == 0) {
        vs_error("journal '%s' lacks the disks of %s", journal_path(j), what);
        return 0;
    }
    return n;
}

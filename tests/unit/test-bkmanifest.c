#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bkmanifest.h"
#include "store.h"
#include "tap.h"
#include "util.h"

static char tmpdir[] = "/tmp/vs-test-bkmanifest-XXXXXX";

#define SHA_A "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define SHA_B "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"

static vs_bk_disk sample_disks[] = {
    {"vda", "20261122T080000Z-2.vda.qcow2", 5570560ULL, SHA_A, 67108864ULL, 5046272ULL, NULL, NULL},
    {"vdb", "20261122T080000Z-2.vdb.qcow2", 18446744073709551615ULL, SHA_B, 18446744073709551615ULL, 0, NULL, NULL},
};

static vs_backup sample(void)
{
    return (vs_backup){
        .id = "20261122T080000Z-2",
        .chain = "20261122T075900Z",
        .domain = "web1",
        .uuid = "6695eb01-f6a4-8304-79aa-97f2502e193f",
        .incremental = true,
        .parent = "20261122T075900Z",
        .complete = true,
        .consistency = "quiesced",
        .begin = 1790000000,
        .end = 1790000042,
        .frozen_us = 23145,
        .bytes_copied = 5242880,
        .checkpoint = "virt-state-20261122T080000Z-2",
        .checkpoint_xml = "<domaincheckpoint>\n  <name>virt-state-20261122T080000Z-2</name>\n  <parent><name>"
                          "virt-state-20261122T075900Z</name></parent>\n  <disks>\n    <disk name='vda' "
                          "checkpoint='bitmap' bitmap='virt-state-20261122T080000Z-2'/>\n  </disks>\n"
                          "</domaincheckpoint>\n",
        .ndisks = 2,
        .disks = sample_disks,
    };
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_backup(const vs_backup *a, const vs_backup *b)
{
    if (!same_str(a->id, b->id) || !same_str(a->chain, b->chain) || !same_str(a->domain, b->domain) ||
        !same_str(a->uuid, b->uuid) || a->incremental != b->incremental || !same_str(a->parent, b->parent) ||
        a->complete != b->complete || !same_str(a->consistency, b->consistency) || a->begin != b->begin ||
        a->end != b->end || a->frozen_us != b->frozen_us || a->bytes_copied != b->bytes_copied ||
        !same_str(a->checkpoint, b->checkpoint) || !same_str(a->checkpoint_xml, b->checkpoint_xml) ||
        !same_str(bkmanifest_method(a), bkmanifest_method(b)) || a->ndisks != b->ndisks)
        return false;
    for (size_t i = 0; i < a->ndisks; i++) {
        const vs_bk_disk *x = &a->disks[i], *y = &b->disks[i];
        if (!same_str(x->target, y->target) || !same_str(x->image, y->image) || x->image_size != y->image_size ||
            !same_str(x->image_sha256, y->image_sha256) || x->virtual_size != y->virtual_size ||
            x->bytes_written != y->bytes_written)
            return false;
    }
    return true;
}

static int capture_fd = -1, saved_stderr = -1;

static void capture_begin(void)
{
    char *path = vs_asprintf("%s/stderr", tmpdir);
    capture_fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    free(path);
    fflush(stderr);
    saved_stderr = dup(2);
    dup2(capture_fd, 2);
}

static char *capture_end(void)
{
    char buf[4096];
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    ssize_t n = pread(capture_fd, buf, sizeof(buf) - 1, 0);
    close(capture_fd);
    buf[n > 0 ? n : 0] = '\0';
    return vs_xstrdup(buf);
}

static void test_roundtrip(void)
{
    vs_backup b = sample();
    char *xml = bkmanifest_format(&b);
    ok(xml != NULL, "format: sample incremental backup");
    ok(xml && strstr(xml, "&lt;domaincheckpoint&gt;"), "format: the checkpoint XML is kept as escaped text");
    vs_backup *r = xml ? bkmanifest_parse(xml, strlen(xml), "sample") : NULL;
    ok(r && same_backup(&b, r), "parse: every field as formatted, the checkpoint XML byte for byte");
    ok(r && bkmanifest_disk(r, "vdb") == &r->disks[1] && !bkmanifest_disk(r, "vdc"), "disk: found by target");
    bkmanifest_free(r);
    free(xml);

    b.incremental = false;
    b.parent = NULL;
    b.chain = b.id;
    b.frozen_us = -1;
    b.consistency = "crash-consistent";
    xml = bkmanifest_format(&b);
    ok(xml && !strstr(xml, "<parent>") && !strstr(xml, "frozen-us"), "format: a full, unfrozen backup");
    r = xml ? bkmanifest_parse(xml, strlen(xml), "sample") : NULL;
    ok(r && r->frozen_us == -1 && !r->parent && same_backup(&b, r), "parse: a full backup round-trips");
    bkmanifest_free(r);
    free(xml);

    /* Snapshot and offline backups: full, no checkpoint. */
    const char *const methods[] = {"snapshot", "offline"};
    for (int k = 0; k < 2; k++) {
        b.method = (char *)methods[k];
        b.checkpoint = NULL;
        b.checkpoint_xml = NULL;
        b.consistency = k ? "offline" : "quiesced";
        xml = bkmanifest_format(&b);
        ok(xml && strstr(xml, k ? "<method>offline</method>" : "<method>snapshot</method>") &&
               !strstr(xml, "<checkpoint"),
           "format: a %s backup says its method and has no checkpoint", methods[k]);
        r = xml ? bkmanifest_parse(xml, strlen(xml), "sample") : NULL;
        ok(r && vs_streq(r->method, methods[k]) && !r->checkpoint && same_backup(&b, r),
           "parse: a %s backup round-trips", methods[k]);
        bkmanifest_free(r);
        free(xml);
    }
    b.method = NULL;
    b.consistency = "quiesced";
    b.checkpoint = "virt-state-20261122T080000Z-2";
    b.checkpoint_xml = "<domaincheckpoint/>";
    xml = bkmanifest_format(&b);
    ok(xml && strstr(xml, "<method>job</method>"), "format: no method given is a job backup");
    char *old = xml ? vs_xstrdup(xml) : NULL;
    char *at = old ? strstr(old, "  <method>job</method>\n") : NULL;
    if (at)
        memmove(at, at + strlen("  <method>job</method>\n"), strlen(at + strlen("  <method>job</method>\n")) + 1);
    r = at ? bkmanifest_parse(old, strlen(old), "old") : NULL;
    ok(r && vs_streq(bkmanifest_method(r), "job") && vs_streq(r->checkpoint, b.checkpoint),
       "parse: a manifest without <method> reads as a job backup");
    bkmanifest_free(r);
    free(old);
    free(xml);

    char *name = bkmanifest_image_name("X", "vda");
    is_str(name, "X.vda.qcow2", "image name: <id>.<target>.qcow2");
    free(name);
    bkmanifest_free(NULL);
}

static void test_write_load(void)
{
    vs_backup b = sample();
    char *path = vs_asprintf("%s/x.manifest.xml", tmpdir);
    mode_t old = umask(0);
    ok(bkmanifest_write(path, &b) == 0, "write: manifest written");
    umask(old);
    struct stat st;
    ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "write: file is 0600 whatever the umask");
    vs_backup *r = bkmanifest_load(path);
    ok(r && same_backup(&b, r), "load: reads back what was written");
    bkmanifest_free(r);
    b.id = "../evil";
    capture_begin();
    ok(bkmanifest_write(path, &b) < 0, "write: refuses an unsafe id");
    free(capture_end());
    r = bkmanifest_load(path);
    ok(r && vs_streq(r->id, "20261122T080000Z-2"), "write: a refused manifest leaves the old one in place");
    bkmanifest_free(r);
    free(path);
}

static void test_format_refuses(void)
{
    vs_backup b = sample();
    capture_begin();
    b.parent = NULL;
    char *xml = bkmanifest_format(&b);
    ok(!xml, "format: an incremental without parent is refused");
    b = sample();
    b.end = b.begin - 1;
    xml = bkmanifest_format(&b);
    ok(!xml, "format: ending before beginning is refused");
    b = sample();
    b.checkpoint_xml = "\x01";
    xml = bkmanifest_format(&b);
    ok(!xml, "format: a control character XML cannot carry is refused");
    b = sample();
    b.method = "snapshot";
    xml = bkmanifest_format(&b);
    ok(!xml, "format: a snapshot backup with a checkpoint is refused");
    b.checkpoint = NULL;
    b.checkpoint_xml = NULL;
    xml = bkmanifest_format(&b);
    ok(!xml, "format: an incremental snapshot backup is refused");
    b = sample();
    b.checkpoint = NULL;
    xml = bkmanifest_format(&b);
    ok(!xml, "format: a job backup without checkpoint is refused");
    free(capture_end());
}

static char *base_xml;

static char *edit(const char *from, const char *to)
{
    if (!strstr(base_xml, from))
        return NULL;
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    for (const char *p = base_xml; (p = strstr(p, from)); p += fl)
        n++;
    char *out = vs_xmalloc(strlen(base_xml) + n * tl + 1), *o = out;
    for (const char *p = base_xml, *q; *p; p = q + fl) {
        q = strstr(p, from);
        if (!q) {
            strcpy(o, p);
            return out;
        }
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, to, tl);
        o += tl;
    }
    *o = '\0';
    return out;
}

/* Refused with exactly one error line naming the source and saying why. */
static void refused(const char *xml, size_t len, const char *why, const char *label)
{
    capture_begin();
    vs_backup *b = xml ? bkmanifest_parse(xml, len, "/x/b.manifest.xml") : NULL;
    char *err = capture_end();
    char *nl = strchr(err, '\n');
    ok(xml && !b && nl && !nl[1] && strstr(err, "manifest '/x/b.manifest.xml'") && strstr(err, why), "refused: %s",
       label);
    if (*err)
        printf("#   %s%s", err, nl ? "" : "\n");
    bkmanifest_free(b);
    free(err);
}

static void refused_edit(const char *from, const char *to, const char *why, const char *label)
{
    char *xml = edit(from, to);
    refused(xml, xml ? strlen(xml) : 0, why, label);
    free(xml);
}

static void test_refused(void)
{
    vs_backup b = sample();
    base_xml = bkmanifest_format(&b);
    if (!base_xml) {
        ok(0, "refusals: sample formats");
        return;
    }
    refused_edit(">20261122T080000Z-2.vda.qcow2<", ">../x.vda.qcow2<", "element image", "image path with '..'");
    refused_edit(">20261122T080000Z-2.vda.qcow2<", ">/etc/passwd<", "element image", "absolute image path");
    refused_edit(">20261122T080000Z-2.vda.qcow2<", ">sub/x.qcow2<", "element image", "image path with '/'");
    refused_edit(">20261122T080000Z-2.vda.qcow2<", ">other.vda.qcow2<", "must be named", "image of another backup");
    refused_edit("<id>20261122T080000Z-2<", "<id>a/b<", "element id", "id with '/'");
    refused_edit("<id>20261122T080000Z-2<", "<id>..<", "element id", "id '..'");
    refused_edit("<chain>20261122T075900Z<", "<chain>../../etc<", "element chain", "chain with '..'");
    refused_edit("<parent>20261122T075900Z<", "<parent>.<", "element parent", "parent '.'");
    refused_edit("<domain>web1<", "<domain>web/1<", "element domain", "domain with '/'");
    refused_edit("  <parent>20261122T075900Z</parent>\n", "", "needs its parent", "incremental without parent");
    refused_edit(">incremental<", ">full<", "a full backup has no parent", "full backup with a parent");
    refused_edit(">incremental<", ">differential<", "element kind", "unknown kind");
    refused_edit(">complete<", ">done<", "element status", "unknown status");
    refused_edit(">job<", ">copy<", "element method", "unknown method");
    refused_edit(">job<", ">snapshot<", "only a job backup has a checkpoint", "snapshot backup with a checkpoint");
    refused_edit(">quiesced<", ">frozen<", "element consistency", "unknown consistency");
    refused_edit("name=\"virt-state-20261122T080000Z-2\"", "name=\"a/b\"", "element checkpoint",
                 "checkpoint name with '/'");
    refused_edit("target=\"vdb\"", "target=\"vda\"", "disk vda", "duplicate target");
    refused_edit(SHA_B, "xyz", "element image", "malformed checksum");
    refused_edit(">1790000042<", ">1789999999<", "ends before it begins", "end before begin");
    refused_edit("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
                 "<?xml version=\"1.0\"?>\n<!DOCTYPE backup [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n",
                 "document type declaration", "DOCTYPE with an external entity (XXE)");
    refused_edit("<domain>web1<", "<domain>&e;<", "not well-formed", "undeclared entity");
    refused_edit("version=\"1\"", "version=\"2\"", "element backup", "wrong version");
    refused_edit("size=\"5570560\"", "size=\"-1\"", "element image", "negative size");

    size_t len = strlen(base_xml);
    for (size_t cut = 2; cut < len; cut += len / 7) {
        char *t = vs_xstrndup(base_xml, len - cut);
        capture_begin();
        vs_backup *r = bkmanifest_parse(t, strlen(t), "/x/b.manifest.xml");
        free(capture_end());
        ok(!r, "refused: truncated by %zu of %zu bytes", cut, len);
        bkmanifest_free(r);
        free(t);
    }
    free(base_xml);
}

int main(void)
{
    if (!mkdtemp(tmpdir))
        return 99;
    test_roundtrip();
    test_write_load();
    test_format_refuses();
    test_refused();
    char *rm = vs_asprintf("rm -rf %s", tmpdir);
    if (system(rm) != 0)
        printf("# could not remove %s\n", tmpdir);
    free(rm);
    return done_testing();
}

#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "manifest.h"
#include "store.h"
#include "tap.h"
#include "util.h"

static char tmpdir[] = "/tmp/vs-test-manifest-XXXXXX";

static vs_snap_disk sample_disks[] = {
    {"vda", "/var/lib/libvirt/images/vda.nightly-1.qcow2", "/var/lib/libvirt/images/vda.qcow2", "qcow2",
     10737418240ULL, 1234567ULL},
    {"vdb", "/srv/data/b.nightly-1.qcow2", "/srv/data/b.raw", "raw", 18446744073709551615ULL, 0},
};

static vs_snapshot sample(void)
{
    return (vs_snapshot){
        .name = "nightly-1",
        .domain = "web1",
        .uuid = "6695eb01-f6a4-8304-79aa-97f2502e193f",
        .description = "before <upgrade> & \"fix\" 'n' \xc3\xa9t\xc3\xa9 \xe2\x9c\x93\nline two",
        .created = 1790000000,
        .consistency = "quiesced",
        .domain_state = "running",
        .frozen_us = 23145,
        .ndisks = 2,
        .disks = sample_disks,
    };
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_snapshot(const vs_snapshot *a, const vs_snapshot *b)
{
    if (!same_str(a->name, b->name) || !same_str(a->domain, b->domain) || !same_str(a->uuid, b->uuid) ||
        !same_str(a->description, b->description) || a->created != b->created ||
        !same_str(a->consistency, b->consistency) || !same_str(a->domain_state, b->domain_state) ||
        a->frozen_us != b->frozen_us || a->ndisks != b->ndisks)
        return false;
    for (size_t i = 0; i < a->ndisks; i++) {
        const vs_snap_disk *x = &a->disks[i], *y = &b->disks[i];
        if (!same_str(x->target, y->target) || !same_str(x->overlay, y->overlay) ||
            !same_str(x->backing, y->backing) || !same_str(x->backing_format, y->backing_format) ||
            x->virtual_size != y->virtual_size || x->backing_size != y->backing_size)
            return false;
    }
    return true;
}

/* stderr into a file between capture_begin() and capture_end(), which
 * returns what was printed. */
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

static vs_snapshot *parse_capturing(const char *xml, size_t len, char **err)
{
    capture_begin();
    vs_snapshot *s = manifest_snapshot_parse(xml, len, "/x/manifest.xml");
    *err = capture_end();
    return s;
}

static void test_roundtrip(void)
{
    vs_snapshot s = sample();
    char *xml = manifest_snapshot_format(&s);
    ok(xml != NULL, "format: sample snapshot");
    ok(xml && strstr(xml, "&lt;upgrade&gt; &amp;") && strstr(xml, "\xc3\xa9t\xc3\xa9"),
       "format: specials escaped, non-ASCII kept as UTF-8");
    ok(xml && strstr(xml, "\n  <name>nightly-1</name>\n"), "format: indented");
    vs_snapshot *r = xml ? manifest_snapshot_parse(xml, strlen(xml), "sample") : NULL;
    ok(r && same_snapshot(&s, r), "parse: every field as formatted");
    ok(r && manifest_snapshot_disk(r, "vdb") == &r->disks[1], "disk: found by target");
    ok(r && manifest_snapshot_disk(r, "vdc") == NULL, "disk: unknown target");
    manifest_snapshot_free(r);
    free(xml);

    s.frozen_us = -1;
    s.description = NULL;
    s.consistency = "offline";
    s.domain_state = "shut off";
    xml = manifest_snapshot_format(&s);
    ok(xml && !strstr(xml, "frozen-us") && !strstr(xml, "description"),
       "format: never frozen and no description leave their elements out");
    r = xml ? manifest_snapshot_parse(xml, strlen(xml), "sample") : NULL;
    ok(r && r->frozen_us == -1 && r->description == NULL && same_snapshot(&s, r),
       "parse: absent frozen-us is -1, absent description NULL");
    manifest_snapshot_free(r);
    free(xml);

    s.frozen_us = 0;
    xml = manifest_snapshot_format(&s);
    r = xml ? manifest_snapshot_parse(xml, strlen(xml), "sample") : NULL;
    ok(r && r->frozen_us == 0, "round trip: frozen for 0 us is not 'never frozen'");
    manifest_snapshot_free(r);
    free(xml);
    manifest_snapshot_free(NULL);
}

static void test_write_load(void)
{
    vs_snapshot s = sample();
    char *path = vs_asprintf("%s/manifest.xml", tmpdir);
    mode_t old = umask(0);
    ok(manifest_snapshot_write(path, &s) == 0, "write: manifest written");
    umask(old);
    struct stat st;
    ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "write: file is 0600 whatever the umask");
    vs_snapshot *r = manifest_snapshot_load(path);
    ok(r && same_snapshot(&s, r), "load: reads back what was written");
    manifest_snapshot_free(r);

    s.name = "a/b";
    ok(manifest_snapshot_write(path, &s) < 0, "write: refuses an unsafe name");
    r = manifest_snapshot_load(path);
    ok(r && vs_streq(r->name, "nightly-1"), "write: a refused manifest leaves the old one in place");
    manifest_snapshot_free(r);
    free(path);

    path = vs_asprintf("%s/missing.xml", tmpdir);
    ok(manifest_snapshot_load(path) == NULL, "load: missing file");
    free(path);

    /* Twice the limit, well-formed: refused for its size alone. */
    path = vs_asprintf("%s/big.xml", tmpdir);
    size_t big = 2u << 20;
    char *text = vs_xmalloc(big);
    memset(text, ' ', big);
    memcpy(text, "<disk-snapshot>", 15);
    memcpy(text + big - 16, "</disk-snapshot>", 16);
    store_write_atomic(path, text, big);
    capture_begin();
    r = manifest_snapshot_load(path);
    char *err = capture_end();
    ok(!r && strstr(err, "big.xml' is larger than 1 MiB"), "load: file over 1 MiB refused");
    free(err);
    free(text);
    free(path);
}

/* Format-time refusals: the tool never writes what it cannot read back. */
static void test_format_refuses(void)
{
    vs_snapshot s = sample();
    s.frozen_us = -2;
    char *xml = manifest_snapshot_format(&s);
    ok(xml == NULL, "format: frozen-us below -1 refused");
    free(xml);
    s = sample();
    s.description = "bell \a";
    xml = manifest_snapshot_format(&s);
    ok(xml == NULL, "format: a control character XML cannot carry is refused");
    free(xml);
    s = sample();
    s.description = "bad UTF-8 \xff";
    xml = manifest_snapshot_format(&s);
    ok(xml == NULL, "format: invalid UTF-8 refused");
    free(xml);
    s = sample();
    s.uuid = NULL;
    xml = manifest_snapshot_format(&s);
    ok(xml == NULL, "format: missing UUID refused");
    free(xml);
}

static char *base_xml;

/* Replaces every occurrence of 'from' (which must occur) with 'to'. */
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

/* The text is refused with exactly one error line that names the source and
 * contains 'why'. */
static void refused(const char *xml, size_t len, const char *why, const char *label)
{
    char *err = NULL;
    vs_snapshot *s = xml ? parse_capturing(xml, len, &err) : NULL;
    char *nl = err ? strchr(err, '\n') : NULL;
    ok(xml && !s && nl && !nl[1] && strstr(err, "manifest '/x/manifest.xml'") && strstr(err, why),
       "refused: %s", label);
    if (err && *err)
        printf("#   %s%s", err, nl ? "" : "\n");
    manifest_snapshot_free(s);
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
    vs_snapshot s = sample();
    base_xml = manifest_snapshot_format(&s);
    char *err = NULL;
    vs_snapshot *r = base_xml ? parse_capturing(base_xml, strlen(base_xml), &err) : NULL;
    ok(r && err && !*err, "refusals: the unedited text parses quietly");
    manifest_snapshot_free(r);
    free(err);
    if (!base_xml)
        return;

    refused_edit("  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n", "",
                 "element description", "missing element");
    refused_edit(">quiesced<", ">consistent<", "element consistency", "bad consistency value");
    refused_edit(">quiesced<", ">quiesced <", "element consistency", "value with a trailing blank");
    refused_edit("<overlay>/var/", "<overlay>var/", "element overlay", "relative path");
    refused_edit("/srv/data/b.raw", "/srv/data/../b.raw", "paths must be absolute", "'..' in a path");
    refused_edit("/srv/data/b.raw", "/srv/./data/b.raw", "paths must be absolute", "'.' in a path");
    refused_edit("/srv/data/b.raw", "/srv/data/..", "paths must be absolute", "path ending in '..'");
    refused_edit("/srv/data/b.raw", "/srv/data/", "paths must be absolute", "path ending in '/'");
    refused_edit("<name>nightly-1<", "<name>a/b<", "element name", "unsafe name 'a/b'");
    refused_edit("<name>nightly-1<", "<name>..<", "element name", "name '..'");
    refused_edit("<name>nightly-1<", "<name>.hidden<", "element name", "name with a leading dot");
    refused_edit("<domain>web1<", "<domain>../etc<", "element domain", "unsafe domain name");
    /* 101 two-byte characters: within the schema's 200 characters, over
     * vs_name_is_safe's 200 bytes. */
    char name[256] = "<name>";
    for (int i = 0; i < 101; i++)
        strcat(name, "\xc3\xa9");
    strcat(name, "<");
    refused_edit("<name>nightly-1<", name, "not a safe file name", "name over 200 bytes");
    refused_edit("target=\"vdb\"", "target=\"vda\"", "disk vda is listed twice", "duplicate target");
    refused_edit("target=\"vdb\"", "target=\"VDB\"", "element disk", "target in capitals");
    refused_edit("/srv/data/b.nightly-1.qcow2", "/srv/data/b.raw", "own backing file", "overlay is its backing");
    refused_edit("/srv/data/b.raw", "/var/lib/libvirt/images/vda.qcow2", "share a file", "two disks, one backing");
    refused_edit("format=\"raw\"", "format=\"vmdk\"", "element backing", "unknown backing format");
    refused_edit("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
                 "<?xml version=\"1.0\"?>\n<!DOCTYPE disk-snapshot [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n",
                 "document type declaration", "DTD with an external entity");
    refused_edit("<name>nightly-1<", "<name>&e;<", "not well-formed", "undeclared entity");
    refused_edit("disk-snapshot", "memory-snapshot", "element memory-snapshot", "wrong root element");
    refused_edit("version=\"1\"", "version=\"2\"", "element disk-snapshot", "wrong version");
    refused_edit(" version=\"1\"", "", "element disk-snapshot", "no version");
    refused_edit(">10737418240<", ">10G<", "element virtual-size", "non-numeric size");
    refused_edit(">10737418240<", ">-1<", "element virtual-size", "negative size");
    refused_edit(">18446744073709551615<", ">18446744073709551616<", "element virtual-size", "size over 64 bits");
    refused_edit(">1790000000<", ">+1790000000<", "element created", "signed time");
    refused_edit(">23145<", ">9223372036854775808<", "element frozen-us", "time over 63 bits");
    refused_edit("</uuid>\n", "</uuid>\n  <color>blue</color>\n", "element color", "unknown extra element");
    refused_edit("<disks>", "<disks extra=\"1\">", "element disks", "unknown attribute");
    refused_edit("-f6a4-", "-f6g4-", "element uuid", "malformed UUID");
    char desc[1100] = "<description>";
    memset(desc + 13, 'x', 1025);
    desc[13 + 1025] = '\0';
    refused_edit("<description>before ", desc, "element description", "description over 1024 characters");
    refused_edit("</disk-snapshot>", "</disk-snapshot", "not well-formed", "truncated");

    size_t len = strlen(base_xml);
    char *nul = vs_xstrdup(base_xml);
    *strstr(nul, "nightly-1") = '\0';
    refused(nul, len, "NUL byte", "NUL byte");
    free(nul);

    size_t big = (1u << 20) + 1;
    char *pad = vs_xmalloc(big);
    memset(pad, ' ', big);
    memcpy(pad, base_xml, len);
    refused(pad, big, "larger than 1 MiB", "text over 1 MiB");
    r = manifest_snapshot_parse(pad, big - 1, "padded");
    ok(r != NULL, "parse: text of exactly 1 MiB is fine");
    manifest_snapshot_free(r);
    free(pad);

    free(base_xml);
}

/* The program validates with the schema it ships: the compiled-in text is
 * data/disk-snapshot.rng byte for byte. */
static void test_schema_embedded(void)
{
    const char *top = getenv("VIRT_STATE_SRCDIR");
    char *path = vs_asprintf("%s/data/disk-snapshot.rng", top && *top ? top : VS_ABS_TOP_SRCDIR);
    FILE *f = fopen(path, "rb");
    char *buf = vs_xmalloc(1u << 20);
    size_t n = f ? fread(buf, 1, (1u << 20) - 1, f) : 0;
    if (f)
        fclose(f);
    ok(n > 0 && n == strlen(vs_schema_disk_snapshot) && memcmp(buf, vs_schema_disk_snapshot, n) == 0,
       "schema: compiled-in text equals %s", path);
    free(buf);
    free(path);
}

int main(void)
{
    if (!mkdtemp(tmpdir))
        return 99;
    test_schema_embedded();
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

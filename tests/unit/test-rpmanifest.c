/* Restore-point manifests (src/rpmanifest.c): the round trip, and every
 * refusal with the text that explains it. Each refusal is checked by its
 * message, so that a check removed from the schema or the code fails here
 * rather than being masked by another one. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "restore_point.h"
#include "rpmanifest.h"
#include "store.h"
#include "tap.h"
#include "util.h"

static char tmpdir[] = "/tmp/vs-test-rpmanifest-XXXXXX";

#define SHA_A "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SHA_B "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

/* vda: a running point's disk with the overlay the domain went on with;
 * vdb: raw, no overlay (as a pre-revert point has), extreme numbers. */
static vs_rp_disk sample_disks[] = {
    {"vda", "/var/lib/libvirt/images/vda.qcow2", "qcow2", 196928ULL, 64769ULL, 1234567ULL, 1795333112327000001ULL,
     "/var/lib/libvirt/images/vda.before-upgrade.qcow2", 10737418240ULL},
    {"vdb", "/srv/data/b.raw", "raw", 18446744073709551615ULL, 0ULL, 18446744073709551615ULL, 0ULL, NULL,
     18446744073709551615ULL},
};

static vs_restore_point sample(void)
{
    return (vs_restore_point){
        .name = "before-upgrade",
        .domain = "web1",
        .uuid = "6695eb01-f6a4-8304-79aa-97f2502e193f",
        .description = "before <upgrade> & \"fix\" 'n' \xc3\xa9t\xc3\xa9 \xe2\x9c\x93",
        .parent = "nightly",
        .created = 1790000000,
        .origin = "user",
        .domain_state = "running",
        .live = true,
        .consistency = "quiesced",
        .paused_us = 84211,
        .frozen_us = 23145,
        .tool_version = "0.1.0",
        .libvirt_version = "9.0.0",
        .qemu_version = "1:7.2+dfsg-7",
        .has_memory = true,
        .memory_size = 2147483648ULL,
        .memory_sha256 = SHA_A,
        .definition_size = 4321,
        .definition_sha256 = SHA_B,
        .ndisks = 2,
        .disks = sample_disks,
    };
}

/* A point of a shut-off domain: no memory, no overlay, no parent, no
 * description, never paused nor frozen. */
static vs_restore_point sample_offline(void)
{
    vs_restore_point p = sample();
    p.name = "offline-1";
    p.description = NULL;
    p.parent = NULL;
    p.origin = "pre-revert";
    p.domain_state = "shut off";
    p.live = false;
    p.consistency = "offline";
    p.paused_us = p.frozen_us = -1;
    p.has_memory = false;
    p.memory_size = 0;
    p.memory_sha256 = NULL;
    p.ndisks = 1;
    p.disks = &sample_disks[1];
    return p;
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_point(const vs_restore_point *a, const vs_restore_point *b)
{
    if (!same_str(a->name, b->name) || !same_str(a->domain, b->domain) || !same_str(a->uuid, b->uuid) ||
        !same_str(a->description, b->description) || !same_str(a->parent, b->parent) || a->created != b->created ||
        !same_str(a->origin, b->origin) || !same_str(a->domain_state, b->domain_state) || a->live != b->live ||
        !same_str(a->consistency, b->consistency) || a->paused_us != b->paused_us || a->frozen_us != b->frozen_us ||
        !same_str(a->tool_version, b->tool_version) || !same_str(a->libvirt_version, b->libvirt_version) ||
        !same_str(a->qemu_version, b->qemu_version) || a->has_memory != b->has_memory ||
        a->memory_size != b->memory_size || !same_str(a->memory_sha256, b->memory_sha256) ||
        a->definition_size != b->definition_size || !same_str(a->definition_sha256, b->definition_sha256) ||
        a->ndisks != b->ndisks)
        return false;
    for (size_t i = 0; i < a->ndisks; i++) {
        const vs_rp_disk *x = &a->disks[i], *y = &b->disks[i];
        if (!same_str(x->target, y->target) || !same_str(x->frozen, y->frozen) ||
            !same_str(x->frozen_format, y->frozen_format) || x->frozen_size != y->frozen_size ||
            x->frozen_dev != y->frozen_dev || x->frozen_ino != y->frozen_ino || x->frozen_mtime != y->frozen_mtime ||
            !same_str(x->overlay, y->overlay) || x->virtual_size != y->virtual_size)
            return false;
    }
    return true;
}

/* stdout and stderr into files between capture_begin() and capture_end(),
 * which returns what went to stderr; *out (when given) gets stdout's. */
static int cap_err = -1, cap_out = -1, saved_err = -1, saved_out = -1;

static int capture_file(const char *name)
{
    char *path = vs_asprintf("%s/%s", tmpdir, name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    free(path);
    return fd;
}

static void capture_begin(void)
{
    cap_err = capture_file("stderr");
    cap_out = capture_file("stdout");
    fflush(stdout);
    fflush(stderr);
    saved_err = dup(2);
    saved_out = dup(1);
    dup2(cap_err, 2);
    dup2(cap_out, 1);
}

static char *slurp(int fd)
{
    char buf[8192];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return vs_xstrdup(buf);
}

static char *capture_end(char **out)
{
    fflush(stdout);
    fflush(stderr);
    dup2(saved_err, 2);
    dup2(saved_out, 1);
    close(saved_err);
    close(saved_out);
    char *o = slurp(cap_out);
    if (out)
        *out = o;
    else
        free(o);
    return slurp(cap_err);
}

static vs_restore_point *parse_capturing(const char *xml, size_t len, char **err, char **out)
{
    capture_begin();
    vs_restore_point *p = rpmanifest_parse(xml, len, "/x/manifest.xml");
    *err = capture_end(out);
    return p;
}

/* ---- the schema ------------------------------------------------------------ */

/* The program validates with the schema it ships: the compiled-in text is
 * data/restore-point.rng byte for byte. */
static void test_schema_embedded(void)
{
    const char *top = getenv("VIRT_STATE_SRCDIR");
    char *path = vs_asprintf("%s/data/restore-point.rng", top && *top ? top : VS_ABS_TOP_SRCDIR);
    FILE *f = fopen(path, "rb");
    char *buf = vs_xmalloc(1u << 20);
    size_t n = f ? fread(buf, 1, (1u << 20) - 1, f) : 0;
    if (f)
        fclose(f);
    ok(n > 0 && n == strlen(vs_schema_restore_point) && memcmp(buf, vs_schema_restore_point, n) == 0,
       "schema: compiled-in text equals %s", path);
    free(buf);
    free(path);
}

/* ---- round trip ------------------------------------------------------------ */

static void roundtrip(const vs_restore_point *p, const char *label)
{
    char *xml = rpmanifest_format(p);
    ok(xml != NULL, "format: %s", label);
    char *err = NULL;
    vs_restore_point *r = xml ? parse_capturing(xml, strlen(xml), &err, NULL) : NULL;
    ok(r && same_point(p, r) && err && !*err, "parse: %s, every field as formatted, quietly", label);
    if (err && *err)
        printf("#   %s", err);
    rpmanifest_free(r);
    free(err);
    free(xml);
}

static void test_roundtrip(void)
{
    vs_restore_point p = sample();
    char *xml = rpmanifest_format(&p);
    ok(xml && strstr(xml, "&lt;upgrade&gt; &amp;") && strstr(xml, "\xc3\xa9t\xc3\xa9"),
       "format: specials escaped, non-ASCII kept as UTF-8");
    ok(xml && strstr(xml, "<memory file=\"memory.img\" size=\"2147483648\" sha256=\"" SHA_A "\"/>") &&
           strstr(xml, "<definition file=\"domain.xml\" size=\"4321\" sha256=\"" SHA_B "\"/>"),
       "format: memory.img and domain.xml with their sizes and checksums");
    ok(xml && strstr(xml, "mtime-ns=\"1795333112327000001\"") && strstr(xml, "size=\"18446744073709551615\""),
       "format: nanosecond mtimes and 64-bit sizes in full");
    vs_restore_point *r = xml ? rpmanifest_parse(xml, strlen(xml), "sample") : NULL;
    ok(r && rpmanifest_disk(r, "vdb") == &r->disks[1], "disk: found by target");
    ok(r && rpmanifest_disk(r, "vdc") == NULL, "disk: unknown target");
    ok(r && r->disks[1].overlay == NULL && r->disks[0].overlay != NULL, "parse: absent overlay is NULL");
    rpmanifest_free(r);
    free(xml);

    roundtrip(&p, "running point with memory, overlay, parent and description");

    p.live = false;
    p.domain_state = "paused";
    p.consistency = "crash-consistent";
    p.paused_us = 0;
    p.frozen_us = -1;
    p.description = NULL;
    roundtrip(&p, "paused point, no description, paused 0 us, never frozen");

    p = sample_offline();
    xml = rpmanifest_format(&p);
    ok(xml && !strstr(xml, "<memory") && !strstr(xml, "<overlay") && !strstr(xml, "<parent") &&
           !strstr(xml, "<description") && !strstr(xml, "paused-us") && !strstr(xml, "frozen-us"),
       "format: what a point lacks leaves its element out");
    free(xml);
    roundtrip(&p, "shut-off point without memory, overlay, parent or description");

    p = sample();
    p.disks = (vs_rp_disk[]){sample_disks[0], sample_disks[1]};
    p.disks[1].overlay = "/srv/data/b.before-upgrade.qcow2";
    roundtrip(&p, "every disk with an overlay");
    rpmanifest_free(NULL);
}

/* ---- writing ----------------------------------------------------------------- */

static void test_write_load(void)
{
    vs_restore_point p = sample();
    char *path = vs_asprintf("%s/manifest.xml", tmpdir);
    mode_t old = umask(0);
    ok(rpmanifest_write(path, &p) == 0, "write: manifest written");
    umask(old);
    struct stat st;
    ok(stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0600,
       "write: file is 0600 whatever the umask (umask 0)");
    vs_restore_point *r = rpmanifest_load(path);
    ok(r && same_point(&p, r), "load: reads back what was written");
    rpmanifest_free(r);
    chmod(path, 0666);
    old = umask(0777);
    ok(rpmanifest_write(path, &p) == 0, "write: replaces a manifest (umask 0777)");
    umask(old);
    ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600, "write: the replacement is 0600, not the old mode");

    p.parent = p.name;
    capture_begin();
    int rc = rpmanifest_write(path, &p);
    char *err = capture_end(NULL);
    ok(rc < 0 && strstr(err, "the point is its own parent"), "write: refuses what it could not read back");
    free(err);
    r = rpmanifest_load(path);
    ok(r && vs_streq(r->parent, "nightly"), "write: a refused manifest leaves the old one in place");
    rpmanifest_free(r);
    free(path);

    path = vs_asprintf("%s/missing.xml", tmpdir);
    capture_begin();
    r = rpmanifest_load(path);
    err = capture_end(NULL);
    ok(!r && strstr(err, "cannot open manifest") && strstr(err, "missing.xml"), "load: missing file");
    free(err);
    free(path);

    /* Twice the limit, well-formed: refused for its size alone. */
    path = vs_asprintf("%s/big.xml", tmpdir);
    size_t big = 2u << 20;
    char *text = vs_xmalloc(big);
    memset(text, ' ', big);
    memcpy(text, "<restore-point>", 15);
    memcpy(text + big - 16, "</restore-point>", 16);
    store_write_atomic(path, text, big);
    capture_begin();
    r = rpmanifest_load(path);
    err = capture_end(NULL);
    ok(!r && strstr(err, "big.xml' is larger than 1 MiB"), "load: file over 1 MiB refused");
    free(err);
    free(text);
    free(path);
}

/* The store side: a point is a directory with a manifest, and the manifest
 * must name the point and domain it is filed under. */
static void test_store(void)
{
    vs_restore_point p = sample();
    char *store = vs_asprintf("%s/store", tmpdir);
    char *dir = rp_dir(store, "web1", "before-upgrade");
    char *other = rp_dir(store, "web1", "elsewhere");
    char *empty = rp_dir(store, "web1", "no-manifest");
    store_mkdirs(dir);
    store_mkdirs(other);
    store_mkdirs(empty);
    char *m = rp_path(store, "web1", "before-upgrade", VS_RP_MANIFEST);
    char *m2 = rp_path(store, "web1", "elsewhere", VS_RP_MANIFEST);
    rpmanifest_write(m, &p);
    rpmanifest_write(m2, &p);
    char **names = rp_names(store, "web1");
    ok(names && vs_strv_len(names) == 2 && vs_streq(names[0], "before-upgrade") && vs_streq(names[1], "elsewhere"),
       "store: only directories with a manifest are points");
    vs_strv_free(names);
    vs_restore_point *r = rp_load(store, "web1", "before-upgrade");
    ok(r && same_point(&p, r), "store: a point loads by its name");
    rpmanifest_free(r);
    capture_begin();
    r = rp_load(store, "web1", "elsewhere");
    char *err = capture_end(NULL);
    ok(!r && strstr(err, "names restore point 'before-upgrade' of 'web1', not 'elsewhere' of 'web1'"),
       "store: a manifest filed under another name is refused");
    free(err);
    capture_begin();
    r = rp_load(store, "web1", "no-manifest");
    err = capture_end(NULL);
    ok(!r && strstr(err, "domain 'web1' has no restore point 'no-manifest'"), "store: no manifest, no point");
    free(err);
    free(m);
    free(m2);
    free(dir);
    free(other);
    free(empty);
    free(store);
}

/* Format-time refusals: the tool never writes what it cannot read back. */
static void format_refused(const vs_restore_point *p, const char *why, const char *label)
{
    capture_begin();
    char *xml = rpmanifest_format(p);
    char *err = capture_end(NULL);
    ok(!xml && strstr(err, why), "format refuses: %s", label);
    if (xml || !strstr(err, why))
        printf("#   %s\n", err);
    free(err);
    free(xml);
}

static void test_format_refuses(void)
{
    vs_restore_point p = sample();
    p.created = -1;
    format_refused(&p, "a time is negative", "negative creation time");
    p = sample();
    p.paused_us = -2;
    format_refused(&p, "a time is negative", "paused-us below -1");
    p = sample();
    p.frozen_us = -2;
    format_refused(&p, "a time is negative", "frozen-us below -1");
    p = sample();
    p.name = "a/b";
    format_refused(&p, "element name", "a name with '/'");
    p = sample();
    p.name = "bell\a";
    format_refused(&p, "not well-formed", "a control character XML cannot carry");
    p = sample();
    p.description = "bad UTF-8 \xff";
    format_refused(&p, "manifest of restore point 'before-upgrade'", "invalid UTF-8");
    p = sample();
    p.memory_sha256 = "abc";
    format_refused(&p, "element memory", "a short checksum");
    p = sample();
    p.memory_sha256 = NULL;
    format_refused(&p, "element memory", "memory without a checksum");
    p = sample();
    p.has_memory = false;
    format_refused(&p, "a point of a running domain needs a memory image", "running point without memory");
    p = sample_offline();
    p.has_memory = true;
    p.memory_sha256 = SHA_A;
    format_refused(&p, "a point of a shut off domain cannot have a memory image", "shut-off point with memory");
    p = sample();
    p.uuid = NULL;
    format_refused(&p, "element uuid", "missing UUID");
    p = sample();
    p.ndisks = 0;
    format_refused(&p, "element disks", "no disk");
}

/* ---- refusals when reading ---------------------------------------------------- */

static char *base_xml;

/* text with every occurrence of 'from' (which must occur) replaced; NULL
 * when it does not occur (the case then fails, saying so). */
static char *edit_in(const char *text, const char *from, const char *to)
{
    if (!text || !strstr(text, from))
        return NULL;
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    for (const char *p = text; (p = strstr(p, from)); p += fl)
        n++;
    char *out = vs_xmalloc(strlen(text) + n * tl + 1), *o = out;
    for (const char *p = text, *q; *p; p = q + fl) {
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

static char *edit(const char *from, const char *to)
{
    return edit_in(base_xml, from, to);
}

/* base_xml with only the first occurrence of 'from' replaced. */
static char *edit_first(const char *from, const char *to)
{
    const char *q = strstr(base_xml, from);
    if (!q)
        return NULL;
    return vs_asprintf("%.*s%s%s", (int)(q - base_xml), base_xml, to, q + strlen(from));
}

/* The text is refused with exactly one error line that names the source and
 * contains 'why'; nothing goes to stdout. */
static bool refused(const char *xml, size_t len, const char *why, const char *label)
{
    char *err = NULL, *out = NULL;
    vs_restore_point *p = xml ? parse_capturing(xml, len, &err, &out) : NULL;
    char *nl = err ? strchr(err, '\n') : NULL;
    bool good = xml && !p && nl && !nl[1] && strstr(err, "manifest '/x/manifest.xml'") && strstr(err, why) &&
                out && !*out;
    ok(good, "refused: %s", label);
    if (!xml)
        printf("#   the edit did not apply\n");
    else if (err && *err)
        printf("#   %s%s", err, nl ? "" : "\n");
    rpmanifest_free(p);
    free(err);
    free(out);
    return good;
}

static void refused_edit(const char *from, const char *to, const char *why, const char *label)
{
    char *xml = edit(from, to);
    refused(xml, xml ? strlen(xml) : 0, why, label);
    free(xml);
}

static void refused_edit_in(const char *text, const char *from, const char *to, const char *why, const char *label)
{
    char *xml = edit_in(text, from, to);
    refused(xml, xml ? strlen(xml) : 0, why, label);
    free(xml);
}

static void refused_edit_first(const char *from, const char *to, const char *why, const char *label)
{
    char *xml = edit_first(from, to);
    refused(xml, xml ? strlen(xml) : 0, why, label);
    free(xml);
}

/* A name over 200 bytes in 101 two-byte characters: within the schema's 200
 * characters, so only the code's byte count refuses it. */
static char *long_utf8_name(void)
{
    char *s = vs_xmalloc(2 * 101 + 1);
    for (int i = 0; i < 101; i++)
        memcpy(s + 2 * i, "\xc3\xa9", 2);
    s[202] = '\0';
    return s;
}

static void test_hostile_names(void)
{
    refused_edit("<name>before-upgrade<", "<name>a/b<", "element name", "name with '/'");
    refused_edit("<name>before-upgrade<", "<name>.hidden<", "element name", "name with a leading '.'");
    refused_edit("<name>before-upgrade<", "<name>..<", "element name", "name '..'");
    refused_edit("<name>before-upgrade<", "<name>.<", "element name", "name '.'");
    refused_edit("<name>before-upgrade<", "<name><", "element name", "empty name");
    refused_edit("<name>before-upgrade<", "<name>a&#9;b<", "element name", "name with a tab");
    refused_edit("<name>before-upgrade<", "<name>a&#10;b<", "element name", "name with a newline");
    refused_edit("<name>before-upgrade<", "<name>a&#127;b<", "element name", "name with DEL");
    refused_edit("<name>before-upgrade<", "<name>a&#1;b<", "not well-formed", "name with a control character");
    refused_edit("<name>before-upgrade<", "<name>a\x01" "b<", "not well-formed", "name with a raw control character");

    char *u = long_utf8_name();
    char *n = vs_asprintf("<name>%s<", u);
    refused_edit("<name>before-upgrade<", n, "the point's name is not a safe file name", "name over 200 bytes");
    free(n);
    n = vs_asprintf("<domain>%s<", u);
    refused_edit("<domain>web1<", n, "the domain name is not a safe file name", "domain name over 200 bytes");
    free(n);
    n = vs_asprintf("<parent>%s<", u);
    refused_edit("<parent>nightly<", n, "the parent's name is not a safe file name", "parent name over 200 bytes");
    free(n);
    free(u);
    char many[260] = "<name>";
    memset(many + 6, 'x', 201);
    strcpy(many + 207, "<");
    refused_edit("<name>before-upgrade<", many, "element name", "name of 201 characters");

    refused_edit("<domain>web1<", "<domain>../etc<", "element domain", "domain name with '/'");
    refused_edit("<parent>nightly<", "<parent>../x<", "element parent", "parent name with '/'");
    refused_edit("<parent>nightly<", "<parent>before-upgrade<", "the point is its own parent", "parent == name");
}

static void test_paths(void)
{
    const char *vda = "/var/lib/libvirt/images/vda.qcow2<";
    refused_edit(vda, "../vda.qcow2<", "element frozen", "frozen path '../'");
    refused_edit(vda, "vda.qcow2<", "element frozen", "relative frozen path 'vda.qcow2'");
    refused_edit(vda, "/a/../b<", "paths must be absolute", "frozen path '/a/../b'");
    refused_edit(vda, "/var/lib/libvirt/images/../../../etc/shadow<", "paths must be absolute",
                 "frozen path escaping with '..'");
    refused_edit(vda, "/var/lib/./vda.qcow2<", "paths must be absolute", "frozen path with '/./'");
    refused_edit(vda, "/var/lib/libvirt/images/<", "paths must be absolute", "frozen path with a trailing '/'");
    refused_edit(vda, "/var/lib/libvirt/images/..<", "paths must be absolute", "frozen path ending in '/..'");
    refused_edit(vda, "/<", "paths must be absolute", "frozen path '/'");

    const char *ov = "/var/lib/libvirt/images/vda.before-upgrade.qcow2<";
    refused_edit(ov, "../x.qcow2<", "element overlay", "overlay '../'");
    refused_edit(ov, "x.qcow2<", "element overlay", "relative overlay 'x.qcow2'");
    refused_edit(ov, "/a/../b<", "paths must be absolute", "overlay '/a/../b'");
    refused_edit(ov, "/srv/data/<", "paths must be absolute", "overlay with a trailing '/'");
    refused_edit(ov, "/var/lib/libvirt/images/vda.qcow2<", "disk vda: the overlay is its own backing file",
                 "overlay == its frozen file");
    char *longp = vs_xmalloc(4200);
    strcpy(longp, "/");
    memset(longp + 1, 'p', 4096);
    strcpy(longp + 4097, "<");
    refused_edit(vda, longp, "element frozen", "path over 4096 characters");
    free(longp);

    /* The point's own files are always memory.img and domain.xml in its
     * directory: a manifest cannot point anywhere else. */
    refused_edit("file=\"memory.img\"", "file=\"../../../etc/shadow\"", "element memory",
                 "memory file outside the point");
    refused_edit("file=\"memory.img\"", "file=\"/tmp/memory.img\"", "element memory", "memory file absolute");
    refused_edit("file=\"memory.img\"", "file=\"memory.img.old\"", "element memory", "memory file renamed");
    refused_edit("file=\"domain.xml\"", "file=\"../domain.xml\"", "element definition",
                 "definition file outside the point");
}

static void test_consistency(void)
{
    /* A running or paused point must have memory; a shut-off one must not. */
    char *mem = NULL;
    const char *m = strstr(base_xml, "  <memory ");
    const char *e = m ? strchr(m, '\n') : NULL;
    if (e)
        mem = vs_xstrndup(m, (size_t)(e - m + 1));
    refused_edit(mem ? mem : "(no memory element)", "", "a point of a running domain needs a memory image",
                 "running point without memory");
    char *nomem = edit(mem ? mem : "(no memory element)", "");
    refused_edit_in(nomem, ">running<", ">paused<", "a point of a paused domain needs a memory image",
                    "paused point without memory");
    free(nomem);
    refused_edit(">running<", ">shut off<", "a point of a shut off domain cannot have a memory image",
                 "shut-off point with memory");
    free(mem);

    /* Disks: each target and each file once. */
    refused_edit("target=\"vdb\"", "target=\"vda\"", "disk vda is listed twice", "duplicate target");
    refused_edit(">/srv/data/b.raw<", ">/var/lib/libvirt/images/vda.qcow2<", "disks vda and vdb share a file",
                 "two disks, one frozen file");
    refused_edit(">/srv/data/b.raw<", ">/var/lib/libvirt/images/vda.before-upgrade.qcow2<",
                 "disks vda and vdb share a file", "a frozen file that is another disk's overlay");
    /* vdb with an overlay, for the two cases that need one. */
    char *two = edit(">/srv/data/b.raw</frozen>\n",
                     ">/srv/data/b.raw</frozen>\n      <overlay>/srv/data/b.ov.qcow2</overlay>\n");
    char *err = NULL;
    vs_restore_point *r = two ? parse_capturing(two, strlen(two), &err, NULL) : NULL;
    ok(r && r->disks[1].overlay && vs_streq(r->disks[1].overlay, "/srv/data/b.ov.qcow2"),
       "parse: a second disk with an overlay (the base of the next two cases)");
    rpmanifest_free(r);
    free(err);
    refused_edit_in(two, ">/srv/data/b.ov.qcow2<", ">/var/lib/libvirt/images/vda.before-upgrade.qcow2<",
                    "disks vda and vdb share a file", "two disks, one overlay");
    refused_edit_in(two, ">/srv/data/b.ov.qcow2<", ">/var/lib/libvirt/images/vda.qcow2<",
                    "disks vda and vdb share a file", "an overlay that is another disk's frozen file");
    free(two);
    refused_edit("target=\"vdb\"", "target=\"VDB\"", "element disk", "target in capitals");
    refused_edit("target=\"vdb\"", "target=\"../vdb\"", "element disk", "target with a path");
    refused_edit("format=\"raw\"", "format=\"vmdk\"", "element frozen", "unknown frozen format");
    refused_edit("<disks>", "<disks>\n  </disks>\n  <disks>", "element disks", "two disks elements");
}

static void test_values(void)
{
    /* Checksums. */
    refused_edit(SHA_A, "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF", "element memory",
                 "memory checksum in capitals");
    refused_edit(SHA_A, "0123456789abcdef", "element memory", "short memory checksum");
    refused_edit(SHA_A, SHA_A "00", "element memory", "long memory checksum");
    refused_edit(SHA_B, "zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "element definition",
                 "non-hex definition checksum");
    refused_edit(" sha256=\"" SHA_B "\"", "", "element definition", "definition without a checksum");

    /* Numbers. */
    refused_edit(">1790000000<", ">-1<", "element created", "negative creation time");
    refused_edit(">1790000000<", ">+1790000000<", "element created", "signed creation time");
    refused_edit(">1790000000<", ">9223372036854775808<", "element created", "creation time over 63 bits");
    refused_edit(">1790000000<", ">1.5e9<", "element created", "creation time in exponent form");
    refused_edit(">84211<", ">-5<", "element paused-us", "negative paused-us");
    refused_edit(">23145<", ">9223372036854775808<", "element frozen-us", "frozen-us over 63 bits");
    refused_edit("size=\"2147483648\"", "size=\"18446744073709551616\"", "element memory",
                 "memory size over 64 bits");
    refused_edit("size=\"2147483648\"", "size=\"-1\"", "element memory", "negative memory size");
    refused_edit("size=\"4321\"", "size=\"4k\"", "element definition", "non-numeric definition size");
    refused_edit_first("size=\"18446744073709551615\"", "size=\"18446744073709551616\"", "element frozen",
                       "frozen size over 64 bits");
    refused_edit("inode=\"1234567\"", "inode=\"-1234567\"", "element frozen", "negative inode");
    refused_edit("mtime-ns=\"1795333112327000001\"", "mtime-ns=\"1795333112.327\"", "element frozen",
                 "fractional mtime");
    refused_edit(">10737418240<", ">10G<", "element virtual-size", "non-numeric virtual size");
    refused_edit(">10737418240<", ">99999999999999999999<", "element virtual-size", "virtual size over 64 bits");
    refused_edit(">10737418240<", "> 10737418240<", "element virtual-size", "virtual size with a blank");

    /* Enumerations and structure. */
    refused_edit(">user<", ">admin<", "element origin", "unknown origin");
    refused_edit(">running<", ">crashed<", "element domain-state", "unknown domain state");
    refused_edit(">quiesced<", ">consistent<", "element consistency", "unknown consistency");
    refused_edit("<live>yes<", "<live>true<", "element live", "live not yes/no");
    refused_edit(">1:7.2+dfsg-7<", ">7.2 beta<", "element qemu", "version with a blank");
    refused_edit("-f6a4-", "-f6g4-", "element uuid", "malformed UUID");
    refused_edit("version=\"1\"", "version=\"2\"", "element restore-point", "manifest version 2");
    refused_edit(" version=\"1\"", "", "element restore-point", "no manifest version");
    refused_edit("restore-point", "disk-snapshot", "element disk-snapshot", "a disk-snapshot manifest");
    refused_edit("</uuid>\n", "</uuid>\n  <color>blue</color>\n", "element color", "unknown element");
    refused_edit("<disks>", "<disks extra=\"1\">", "element disks", "unknown attribute");
    char desc[1100] = "<description>";
    memset(desc + 13, 'x', 1025);
    desc[13 + 1025] = '\0';
    refused_edit("<description>before ", desc, "element description", "description over 1024 characters");
}

static char *secret_path;

/* Markup that would pull a file in: refused, and the file's text appears
 * nowhere. */
static void refused_secret(const char *xml, const char *why, const char *label)
{
    char *err = NULL, *out = NULL;
    vs_restore_point *p = xml ? parse_capturing(xml, strlen(xml), &err, &out) : NULL;
    bool leak = (err && strstr(err, "s3cr3t-T0KEN")) || (out && strstr(out, "s3cr3t-T0KEN"));
    ok(xml && !p && err && strstr(err, why) && !leak, "refused without reading the entity: %s", label);
    if (err && *err)
        printf("#   %s", err);
    rpmanifest_free(p);
    free(err);
    free(out);
}

static void test_entities(void)
{
    secret_path = vs_asprintf("%s/secret", tmpdir);
    store_write_atomic(secret_path, "s3cr3t-T0KEN\n", 13);
    const char *decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

    char *dtd = vs_asprintf("<?xml version=\"1.0\"?>\n<!DOCTYPE restore-point [<!ENTITY e SYSTEM \"file://%s\">]>\n",
                            secret_path);
    char *with_dtd = edit(decl, dtd);
    char *xml = edit_in(with_dtd, "<description>before ", "<description>&e; before ");
    refused_secret(xml, "has a document type declaration", "external entity in the description");
    free(xml);

    /* The same in the name, written to a file and loaded as the tool does. */
    char *path = vs_asprintf("%s/dtd-manifest.xml", tmpdir);
    xml = edit_in(with_dtd, "<name>before-upgrade<", "<name>&e;<");
    if (xml)
        store_write_atomic(path, xml, strlen(xml));
    capture_begin();
    vs_restore_point *p = xml ? rpmanifest_load(path) : NULL;
    char *out = NULL;
    char *err = capture_end(&out);
    ok(xml && !p && strstr(err, "dtd-manifest.xml' has a document type declaration") &&
           !strstr(err, "s3cr3t") && !strstr(out, "s3cr3t"),
       "refused without reading the entity: a manifest file with an external entity in the name");
    rpmanifest_free(p);
    free(err);
    free(out);
    free(xml);
    free(path);
    free(with_dtd);
    free(dtd);

    /* An external DTD subset, and a parameter entity. */
    dtd = vs_asprintf("<?xml version=\"1.0\"?>\n<!DOCTYPE restore-point SYSTEM \"file://%s\">\n", secret_path);
    xml = edit(decl, dtd);
    refused_secret(xml, "has a document type declaration", "external DTD subset");
    free(xml);
    free(dtd);
    dtd = vs_asprintf("<?xml version=\"1.0\"?>\n<!DOCTYPE restore-point [<!ENTITY %% p SYSTEM \"file://%s\"> %%p;]>\n",
                      secret_path);
    xml = edit(decl, dtd);
    refused_secret(xml, "document type declaration", "external parameter entity");
    free(xml);
    free(dtd);
    /* Internal entities expanding into each other. */
    xml = edit(decl, "<?xml version=\"1.0\"?>\n<!DOCTYPE restore-point [<!ENTITY a \"aaaaaaaaaa\">"
                     "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>\n");
    char *xml2 = edit_in(xml, "<description>before ", "<description>&c; before ");
    /* libxml2 may already stop at the expansion ("entity reference loop"),
     * before the declaration is refused: either way, refused. */
    refused_secret(xml2, "manifest '/x/manifest.xml'", "internal entities expanding into each other");
    free(xml2);
    free(xml);
    /* Without a declaration, an entity is simply undefined. */
    refused_edit("<description>before ", "<description>&e; before ", "not well-formed", "undeclared entity");
}

static void test_truncated(void)
{
    size_t len = strlen(base_xml);
    /* The text ends with "</restore-point>\n": every cut before its last
     * '>' leaves a document that is not whole. */
    size_t last = len - 2;
    ok(base_xml[last] == '>', "truncation: the manifest ends with '>' and a newline");
    static const size_t picks[] = {0, 1, 5, 38, 39, 40, 100, 500};
    for (size_t i = 0; i < sizeof(picks) / sizeof(picks[0]); i++) {
        char *label = vs_asprintf("truncated to %zu of %zu bytes", picks[i], len);
        refused(base_xml, picks[i], "not well-formed", label);
        free(label);
    }
    refused(base_xml, len / 2, "not well-formed", "truncated to half");
    refused(base_xml, last - 16, "not well-formed", "truncated before the closing tag");
    refused(base_xml, last, "not well-formed", "truncated before the final '>'");

    /* And every other cut. */
    size_t accepted = 0, first = 0;
    for (size_t cut = 0; cut <= last; cut++) {
        char *e = NULL;
        capture_begin();
        vs_restore_point *p = rpmanifest_parse(base_xml, cut, "cut");
        e = capture_end(NULL);
        if (p || !strstr(e, "is not well-formed XML")) {
            if (!accepted++)
                first = cut;
        }
        rpmanifest_free(p);
        free(e);
    }
    ok(accepted == 0, "truncation: each of the %zu cuts before the last '>' is refused as not well-formed", last + 1);
    if (accepted)
        printf("#   %zu accepted or refused otherwise, the first at %zu bytes\n", accepted, first);
    char *err = NULL;
    vs_restore_point *p = parse_capturing(base_xml, last + 1, &err, NULL);
    ok(p != NULL && !*err, "truncation: without its final newline the manifest is whole");
    rpmanifest_free(p);
    free(err);
}

static void test_size_and_nul(void)
{
    size_t len = strlen(base_xml);
    char *nul = vs_xstrdup(base_xml);
    *strstr(nul, "before-upgrade") = '\0';
    refused(nul, len, "contains a NUL byte", "NUL byte in a name");
    nul[len - 1] = '\0';
    refused(nul, len, "contains a NUL byte", "NUL byte");
    free(nul);
    nul = vs_xmalloc(len + 1);
    memcpy(nul, base_xml, len);
    nul[len] = '\0';
    refused(nul, len + 1, "contains a NUL byte", "NUL byte after the document");
    free(nul);

    size_t big = (1u << 20) + 1;
    char *pad = vs_xmalloc(big);
    memset(pad, ' ', big);
    memcpy(pad, base_xml, len);
    refused(pad, big, "larger than 1 MiB", "text over 1 MiB");
    vs_restore_point *r = rpmanifest_parse(pad, big - 1, "padded");
    ok(r != NULL, "parse: text of exactly 1 MiB is fine");
    rpmanifest_free(r);
    free(pad);
}

static void test_refused(void)
{
    vs_restore_point s = sample();
    base_xml = rpmanifest_format(&s);
    char *err = NULL;
    vs_restore_point *r = base_xml ? parse_capturing(base_xml, strlen(base_xml), &err, NULL) : NULL;
    ok(r && err && !*err, "refusals: the unedited text parses quietly");
    rpmanifest_free(r);
    free(err);
    if (!base_xml)
        return;
    test_hostile_names();
    test_paths();
    test_consistency();
    test_values();
    test_entities();
    test_truncated();
    test_size_and_nul();
    free(base_xml);
}

int main(void)
{
    if (!mkdtemp(tmpdir))
        return 99;
    test_schema_embedded();
    test_roundtrip();
    test_write_load();
    test_store();
    test_format_refuses();
    test_refused();
    free(secret_path);
    char *rm = vs_asprintf("rm -rf %s", tmpdir);
    if (system(rm) != 0)
        printf("# could not remove %s\n", tmpdir);
    free(rm);
    return done_testing();
}

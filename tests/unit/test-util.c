#include "config.h"

#include "conn.h"
#include "tap.h"
#include "util.h"

static void test_split(void)
{
    char **w;
    int n;

    ok(vs_split_words("  save  web1 '/tmp/a b.img'  --force ", &w, &n) == 0 && n == 4, "split: four words");
    is_str(w[0], "save", "split: first word");
    is_str(w[2], "/tmp/a b.img", "split: single quotes keep blanks");
    is_str(w[3], "--force", "split: last word");
    ok(w[4] == NULL, "split: NULL-terminated");
    vs_strv_free(w);

    ok(vs_split_words("a\\ b \"c \\\"d\\\"\" # comment", &w, &n) == 0 && n == 2, "split: escapes and comment");
    is_str(w[0], "a b", "split: backslash escapes a blank");
    is_str(w[1], "c \"d\"", "split: escaped quotes inside double quotes");
    vs_strv_free(w);

    ok(vs_split_words("   ", &w, &n) == 0 && n == 0 && w && !w[0], "split: blank line gives no words");
    vs_strv_free(w);
    ok(vs_split_words("save 'oops", &w, &n) < 0 && w == NULL, "split: unterminated quote is an error");
}

static void test_numbers(void)
{
    unsigned long v = 7;
    ok(vs_parse_ulong("42", 100, &v) == 0 && v == 42, "ulong: plain number");
    ok(vs_parse_ulong("0", 100, &v) == 0 && v == 0, "ulong: zero");
    ok(vs_parse_ulong("101", 100, &v) < 0, "ulong: above the maximum");
    ok(vs_parse_ulong("-1", 100, &v) < 0, "ulong: negative refused");
    ok(vs_parse_ulong("+1", 100, &v) < 0, "ulong: sign refused");
    ok(vs_parse_ulong("1x", 100, &v) < 0, "ulong: trailing junk refused");
    ok(vs_parse_ulong("", 100, &v) < 0, "ulong: empty refused");
    ok(vs_parse_ulong("99999999999999999999999", ~0UL, &v) < 0, "ulong: overflow refused");
}

static void test_names(void)
{
    ok(vs_name_is_safe("web1"), "name: plain");
    ok(vs_name_is_safe("web-1_a.b"), "name: punctuation");
    ok(!vs_name_is_safe(""), "name: empty");
    ok(!vs_name_is_safe("."), "name: dot");
    ok(!vs_name_is_safe(".."), "name: dot-dot");
    ok(!vs_name_is_safe(".hidden"), "name: leading dot");
    ok(!vs_name_is_safe("a/b"), "name: slash");
    ok(!vs_name_is_safe("a\nb"), "name: newline");
    char long_name[300];
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    ok(!vs_name_is_safe(long_name), "name: too long");
}

static void test_bytes(void)
{
    char buf[32];
    vs_format_bytes(512, buf, sizeof(buf));
    is_str(buf, "512 B", "bytes: below a KiB");
    vs_format_bytes(3u << 20, buf, sizeof(buf));
    is_str(buf, "3.0 MiB", "bytes: MiB");
    vs_format_bytes(1536ULL << 20, buf, sizeof(buf));
    is_str(buf, "1.5 GiB", "bytes: GiB");
}

static void test_remote_uri(void)
{
    ok(!conn_uri_is_remote("qemu:///system"), "uri: qemu:///system is local");
    ok(!conn_uri_is_remote("test:///default"), "uri: test:///default is local");
    ok(!conn_uri_is_remote("qemu+unix:///system"), "uri: a unix socket transport is local");
    ok(conn_uri_is_remote("qemu+ssh://root@host/system"), "uri: ssh to a host is remote");
    ok(conn_uri_is_remote("qemu+tcp://host:16509/system"), "uri: tcp to a host is remote");
    ok(!conn_uri_is_remote(NULL), "uri: none (libvirt's default) is checked once connected");
}

static void test_strv_contains(void)
{
    char *v[] = {"vda", "vdb", NULL};
    ok(vs_strv_contains(v, "vdb"), "strv: holds vdb");
    ok(!vs_strv_contains(v, "vd"), "strv: a prefix is not a member");
    ok(!vs_strv_contains(NULL, "vda"), "strv: NULL holds nothing");
}

int main(void)
{
    test_split();
    test_numbers();
    test_names();
    test_bytes();
    test_remote_uri();
    test_strv_contains();
    return done_testing();
}

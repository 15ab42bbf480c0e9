#include "config.h"

#include "cmd.h"
#include "tap.h"
#include "util.h"

static const vs_cmd *lookup(const char *a, const char *b, int *consumed)
{
    char *argv[3] = {(char *)a, (char *)b, NULL};
    return cmd_lookup(b ? 2 : 1, argv, consumed);
}

static void test_lookup(void)
{
    int consumed = 0;
    const vs_cmd *c = lookup("save", NULL, &consumed);
    ok(c && vs_streq(c->name, "save") && consumed == 1, "lookup: exact name");
    c = lookup("sa", NULL, &consumed);
    ok(c && vs_streq(c->name, "save"), "lookup: unique prefix");
    ok(lookup("re", NULL, &consumed) == NULL, "lookup: ambiguous prefix refused");
    ok(lookup("frobnicate", NULL, &consumed) == NULL, "lookup: unknown name refused");
    c = lookup("self-test", NULL, &consumed);
    ok(c && (c->flags & VS_CMD_HIDDEN), "lookup: hidden command by exact name");
    ok(lookup("self", NULL, &consumed) == NULL, "lookup: hidden command not by prefix");
    c = cmd_lookup_multicall("/usr/bin/virt-state-save");
    ok(c && vs_streq(c->name, "save"), "multicall: virt-state-save runs save");
    ok(cmd_lookup_multicall("virt-state") == NULL, "multicall: the plain name is no command");
    ok(cmd_lookup_multicall("virt-state-self-test") == NULL, "multicall: hidden commands are not linked");
}

static int parse(vs_args *args, int argc, const char **argv)
{
    vs_ctx ctx = {0};
    const vs_cmd *c = cmd_find_exact(argv[0]);
    return cmd_parse(&ctx, c, argc, argv, args);
}

static void test_parse(void)
{
    vs_args a;
    const char *v1[] = {"save", "web1", "/tmp/x", "--paused", "--xml", "d.xml"};
    ok(parse(&a, 6, v1) == 0, "parse: save with options");
    is_str(args_pos(&a, 0), "web1", "parse: first positional");
    is_str(args_pos(&a, 1), "/tmp/x", "parse: second positional");
    ok(args_flag(&a, "paused") && !args_flag(&a, "running"), "parse: flags");
    is_str(args_str(&a, "xml"), "d.xml", "parse: string option");
    cmd_args_clear(&a);

    const char *v2[] = {"save", "--running", "web1", "--paused"};
    ok(parse(&a, 4, v2) == VS_EXIT_USAGE, "parse: exclusive options refused");
    cmd_args_clear(&a);
    const char *v3[] = {"save", "--nope", "web1"};
    ok(parse(&a, 3, v3) == VS_EXIT_USAGE, "parse: unknown option refused");
    cmd_args_clear(&a);
    const char *v4[] = {"save"};
    ok(parse(&a, 1, v4) == VS_EXIT_USAGE, "parse: missing DOMAIN refused");
    cmd_args_clear(&a);
    const char *v5[] = {"save", "a", "b", "c"};
    ok(parse(&a, 4, v5) == VS_EXIT_USAGE, "parse: extra argument refused");
    cmd_args_clear(&a);
    const char *v6[] = {"save", "a", "--xml"};
    ok(parse(&a, 3, v6) == VS_EXIT_USAGE, "parse: option without its value refused");
    cmd_args_clear(&a);
    const char *v7[] = {"save", "a", "--xml", "x", "--xml", "y"};
    ok(parse(&a, 6, v7) == VS_EXIT_USAGE, "parse: string option twice refused");
    cmd_args_clear(&a);
    const char *v8[] = {"help", "save", "extra"};
    ok(parse(&a, 3, v8) == 0 && a.nrest == 2 && vs_streq(a.rest[1], "extra"), "parse: variadic words collected");
    cmd_args_clear(&a);
}

static void test_synopsis(void)
{
    char *s = cmd_synopsis(cmd_find_exact("save"));
    is_str(s,
           "virt-state save DOMAIN [FILE] [--running|--paused] [--bypass-cache] [--xml FILE] [--force] "
           "[--managed|--remove-managed]",
           "synopsis: generated from the table, exclusive options grouped");
    free(s);
}

static char *complete_joined(const char *w0, const char *w1, const char *w2)
{
    vs_ctx ctx = {0};
    char *words[3] = {(char *)w0, (char *)w1, (char *)w2};
    int n = w2 ? 3 : w1 ? 2 : 1;
    char **out = NULL;
    size_t nout = 0;
    int files = 0;
    cmd_complete_words(&ctx, n, words, &out, &nout, &files);
    char *joined = vs_xstrdup(files == 1 ? "<files>" : files == 2 ? "<dirs>" : "");
    for (size_t i = 0; i < nout; i++) {
        char *j = vs_asprintf("%s%s%s", joined, *joined ? " " : "", out[i]);
        free(joined);
        joined = j;
    }
    vs_strv_free(out);
    free(ctx.uri);
    return joined;
}

static void test_complete_keeps_session(void)
{
    vs_ctx ctx = {0};
    char *words[] = {(char *)"-c", (char *)"test:///default", (char *)"save", (char *)"t"};
    char **out = NULL;
    size_t nout = 0;
    int files = 0;
    cmd_complete_words(&ctx, 4, words, &out, &nout, &files);
    ok(nout == 1 && vs_streq(out[0], "test"), "complete: -c URI on the line is used for domain names");
    ok(ctx.uri == NULL && ctx.conn == NULL, "complete: the session's URI and connection are left alone");
    vs_strv_free(out);
}

static void test_complete(void)
{
    char *s = complete_joined("sa", NULL, NULL);
    is_str(s, "save", "complete: command prefix");
    free(s);
    s = complete_joined("save", "--r", NULL);
    is_str(s, "--running --remove-managed", "complete: option prefix");
    free(s);
    s = complete_joined("save", "--xml", "");
    is_str(s, "<files>", "complete: option value wants files");
    free(s);
    s = complete_joined("--st", NULL, NULL);
    is_str(s, "--store", "complete: global option");
    free(s);
    s = complete_joined("--store", "", NULL);
    is_str(s, "<dirs>", "complete: --store wants directories");
    free(s);
    s = complete_joined("list", "--all", "");
    is_str(s, "", "complete: nothing after a command without arguments");
    free(s);
    s = complete_joined("help", "re", NULL);
    is_str(s, "restore restore-point revert recover", "complete: help completes command names");
    free(s);
}

int main(void)
{
    test_lookup();
    test_parse();
    test_synopsis();
    test_complete();
    test_complete_keeps_session();
    ok(cmd_self_check(stdout) == 0, "self-check: the table has no problems");
    return done_testing();
}

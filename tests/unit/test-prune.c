/* The backup retention selection (prune_select): keep-last, daily, weekly,
 * monthly as restic and borg count them, the chain closure (a kept
 * incremental keeps what it builds on), incomplete backups, and which
 * checkpoints stay. Times are UTC (TZ is set), then one case in another
 * zone shows that days are local. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup_prune.h"
#include "tap.h"
#include "util.h"

#define DAY 86400LL
/* Monday 2026-11-02 00:00:00 UTC */
#define MON 1793577600LL

/* The kept ids, "a b c" (oldest first), and those whose checkpoint stays. */
static char kept[512], cps[512];

static void run(vs_prune_item *it, size_t n, vs_prune_policy p)
{
    prune_select(it, n, &p);
    kept[0] = cps[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (it[i].keep)
            snprintf(kept + strlen(kept), sizeof(kept) - strlen(kept), "%s%s", kept[0] ? " " : "", it[i].id);
        if (it[i].keep_checkpoint)
            snprintf(cps + strlen(cps), sizeof(cps) - strlen(cps), "%s%s", cps[0] ? " " : "", it[i].id);
    }
}

#define FULL(i, t) {.id = i, .chain = i, .parent = NULL, .time = (t), .complete = true, .checkpoint = true}
#define INCR(i, c, p, t) {.id = i, .chain = c, .parent = p, .time = (t), .complete = true, .checkpoint = true}

static void test_last(void)
{
    /* Two chains: a <- b <- c, d <- e. */
    vs_prune_item it[] = {FULL("a", MON), INCR("b", "a", "a", MON + 60), INCR("c", "a", "b", MON + 120),
                          FULL("d", MON + 180), INCR("e", "d", "d", MON + 240)};
    run(it, 5, (vs_prune_policy){.last = 2});
    is_str(kept, "d e", "keep-last 2: the newest chain");
    is_str(cps, "e", "keep-last 2: only the newest backup's checkpoint stays");
    ok(it[3].keep == (VS_PRUNE_LAST | VS_PRUNE_BASE) && it[4].keep == VS_PRUNE_LAST,
       "keep-last 2: kept as 'last' (d also as e's base)");
    run(it, 5, (vs_prune_policy){.last = 1});
    is_str(kept, "d e", "keep-last 1: the newest incremental keeps its full backup");
    ok(it[3].keep == VS_PRUNE_BASE && it[4].keep == VS_PRUNE_LAST, "keep-last 1: the full one as a base");
    run(it, 5, (vs_prune_policy){.last = 3});
    is_str(kept, "a b c d e", "keep-last 3: c keeps b and a below it");
    ok(it[1].keep == VS_PRUNE_BASE && it[2].keep == VS_PRUNE_LAST, "keep-last 3: b is a base, c is last");
    run(it, 5, (vs_prune_policy){.last = 100});
    is_str(kept, "a b c d e", "keep-last beyond the count keeps all");
    run(it, 0, (vs_prune_policy){.last = 1});
    is_str(kept, "", "no backups: nothing kept, nothing to do");
}

static void test_incomplete(void)
{
    vs_prune_item it[] = {FULL("a", MON), INCR("b", "a", "a", MON + 60), FULL("c", MON + 120)};
    it[2].complete = false;
    run(it, 3, (vs_prune_policy){.last = 1});
    is_str(kept, "a b", "an incomplete newest backup is not counted and goes");
    is_str(cps, "b", "the newest kept complete backup keeps its checkpoint");
    it[1].complete = false;
    it[2].complete = true;
    run(it, 3, (vs_prune_policy){.last = 5});
    is_str(kept, "a c", "an incomplete backup goes even when the rule would keep more");
}

static void test_daily(void)
{
    /* Day 0: a 01:00, b 13:00 (incr on a); day 1: c; day 3: d 08:00, e 20:00 (full). */
    vs_prune_item it[] = {FULL("a", MON + 3600), INCR("b", "a", "a", MON + 13 * 3600),
                          INCR("c", "a", "b", MON + DAY + 3600), FULL("d", MON + 3 * DAY + 8 * 3600),
                          FULL("e", MON + 3 * DAY + 20 * 3600)};
    run(it, 5, (vs_prune_policy){.daily = 1});
    is_str(kept, "e", "keep-daily 1: the newest of the newest day");
    run(it, 5, (vs_prune_policy){.daily = 2});
    is_str(kept, "a b c e", "keep-daily 2: days without backups do not count; c keeps its chain");
    ok(it[2].keep == VS_PRUNE_DAILY && it[1].keep == VS_PRUNE_BASE && it[0].keep == VS_PRUNE_BASE,
       "keep-daily 2: c daily, b and a bases");
    run(it, 5, (vs_prune_policy){.daily = 3});
    is_str(kept, "a b c e", "keep-daily 3: day 0's newest is b");
    ok(it[1].keep == (VS_PRUNE_DAILY | VS_PRUNE_BASE), "keep-daily 3: b is daily and a base");
    run(it, 5, (vs_prune_policy){.last = 2, .daily = 2});
    is_str(kept, "a b c d e", "rules add up: last 2 (d, e) and daily 2 (e, c)");
    ok(it[4].keep == (VS_PRUNE_LAST | VS_PRUNE_DAILY), "e is kept by both rules");
    is_str(cps, "e", "one checkpoint stays");
}

static void test_weekly_monthly(void)
{
    /* MON is 2026-11-02 (ISO week 45). Sunday 2026-11-01 is week 44. */
    vs_prune_item it[] = {FULL("oct", MON - 10 * DAY), FULL("sun", MON - DAY + 3600), FULL("mon", MON + 3600),
                          FULL("wed", MON + 2 * DAY), FULL("next", MON + 7 * DAY)};
    run(it, 5, (vs_prune_policy){.weekly = 2});
    is_str(kept, "wed next", "keep-weekly 2: the newest of ISO weeks 46 and 45 (Monday starts a week)");
    run(it, 5, (vs_prune_policy){.weekly = 3});
    is_str(kept, "sun wed next", "keep-weekly 3: Sunday is in the week before");
    run(it, 5, (vs_prune_policy){.monthly = 2});
    is_str(kept, "oct next", "keep-monthly 2: the newest of November and of October (Nov 1 is November)");
    run(it, 5, (vs_prune_policy){.monthly = 12});
    is_str(kept, "oct next", "keep-monthly 12: only months that have backups");
    /* ISO week-year: 2027-01-01 is a Friday, in week 53 of 2026. */
    vs_prune_item y[] = {FULL("dec28", 1798416000LL), FULL("jan1", 1798761600LL), FULL("jan4", 1799020800LL)};
    run(y, 3, (vs_prune_policy){.weekly = 2});
    is_str(kept, "jan1 jan4", "keep-weekly over New Year: Jan 1 2027 is in 2026-W53 with Dec 28");
    run(y, 3, (vs_prune_policy){.monthly = 2});
    is_str(kept, "dec28 jan4", "keep-monthly over New Year: December and January");
}

static void test_local_time(void)
{
    /* 23:30 UTC and 00:30 UTC the next day are the same day in New York. */
    vs_prune_item it[] = {FULL("late", MON + 23 * 3600 + 1800), FULL("early", MON + DAY + 1800)};
    run(it, 2, (vs_prune_policy){.daily = 2});
    is_str(kept, "late early", "UTC: two days");
    setenv("TZ", "America/New_York", 1);
    tzset();
    run(it, 2, (vs_prune_policy){.daily = 2});
    is_str(kept, "early", "New York: one day, its newest backup");
    setenv("TZ", "UTC", 1);
    tzset();
}

static void test_pull(void)
{
    /* a (push full) <- b (push incr), then p (pull, incremental on b: its
     * own chain record, no images). */
    vs_prune_item it[] = {FULL("a", MON), INCR("b", "a", "a", MON + 60), FULL("p", MON + 120)};
    it[2].pull = true;
    run(it, 3, (vs_prune_policy){.last = 3});
    is_str(cps, "b p", "the newest backup's checkpoint and the newest push backup's stay");
    run(it, 3, (vs_prune_policy){.last = 1});
    is_str(kept, "p", "keep-last 1 keeps the pull backup only");
    is_str(cps, "p", "and its checkpoint");
}

static void test_no_checkpoint(void)
{
    /* a <- b by libvirt's job, then s: a snapshot-method (or offline)
     * backup, its own chain without a checkpoint. The next incremental
     * builds on b, whose checkpoint must stay. */
    vs_prune_item it[] = {FULL("a", MON), INCR("b", "a", "a", MON + 60), FULL("s", MON + 120)};
    it[2].checkpoint = false;
    run(it, 3, (vs_prune_policy){.last = 2});
    is_str(kept, "a b s", "keep-last 2 keeps s, b and b's base a");
    is_str(cps, "b", "b keeps its checkpoint: s has none to serve an incremental");
    run(it, 3, (vs_prune_policy){.last = 1});
    is_str(kept, "s", "keep-last 1 keeps only s");
    is_str(cps, "", "no kept backup has a checkpoint to keep");
}

static void test_reasons(void)
{
    char buf[128];
    is_str(prune_reasons(VS_PRUNE_LAST | VS_PRUNE_MONTHLY, buf, sizeof(buf)), "last, monthly", "reasons: words");
    is_str(prune_reasons(VS_PRUNE_BASE, buf, sizeof(buf)), "base of a kept backup", "reasons: base");
    is_str(prune_reasons(0, buf, sizeof(buf)), "", "reasons: none");
    is_str(prune_reasons(VS_PRUNE_LAST | VS_PRUNE_DAILY, buf, 8), "last", "reasons: a short buffer cuts whole words");
}

static void test_cycle(void)
{
    /* Hostile manifests naming each other as parents: no endless walk. */
    vs_prune_item it[] = {INCR("x", "c", "y", MON), INCR("y", "c", "x", MON + 60)};
    run(it, 2, (vs_prune_policy){.last = 1});
    is_str(kept, "x y", "a parent cycle ends");
}

int main(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    test_last();
    test_incomplete();
    test_daily();
    test_weekly_monthly();
    test_local_time();
    test_pull();
    test_no_checkpoint();
    test_reasons();
    test_cycle();
    return done_testing();
}

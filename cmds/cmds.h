/* One const vs_cmd per command file; cmds/commands.c lists them. */
#pragma once

#include <libvirt/libvirt.h>

#include "cmd.h"
#include "snapshot.h"
#include "store.h"

extern const vs_cmd cmd_help;
extern const vs_cmd cmd_version;
extern const vs_cmd cmd_list;
extern const vs_cmd cmd_save;
extern const vs_cmd cmd_restore;
extern const vs_cmd cmd_recover;
extern const vs_cmd cmd_disk_snapshot_create;
extern const vs_cmd cmd_disk_snapshot_list;
extern const vs_cmd cmd_disk_snapshot_show;
extern const vs_cmd cmd_disk_snapshot_delete;
extern const vs_cmd cmd_restore_point_create;
extern const vs_cmd cmd_restore_point_list;
extern const vs_cmd cmd_restore_point_show;
extern const vs_cmd cmd_restore_point_verify;
extern const vs_cmd cmd_restore_point_delete;
extern const vs_cmd cmd_backup_create;
extern const vs_cmd cmd_backup_list;
extern const vs_cmd cmd_backup_show;
extern const vs_cmd cmd_backup_verify;
extern const vs_cmd cmd_backup_restore;
extern const vs_cmd cmd_backup_end;
extern const vs_cmd cmd_backup_prune;
extern const vs_cmd cmd_commit;
extern const vs_cmd cmd_revert;
extern const vs_cmd cmd_freeze;
extern const vs_cmd cmd_thaw;
extern const vs_cmd cmd_guardian;
extern const vs_cmd cmd_shell;
extern const vs_cmd cmd_complete;
extern const vs_cmd cmd_self_test;

/* backup create with --pull, --socket or --tcp (cmds/backup_pull.c). */
int cmd_backup_create_pull(vs_ctx *ctx, const vs_args *args);

/* Shared by the commands (cmds/common.c). The checks return 0, or report a
 * usage error and return VS_EXIT_USAGE. */
int cmd_usage(const char *cmd, const char *msg);
/* The one positional of commands that take only a DOMAIN. */
extern const vs_positional cmd_domain_arg[];
bool cmd_valid_target(const char *target);
int cmd_check_disks(const char *cmd, char *const *disks);
int cmd_check_name(const char *cmd, const char *name);
/* Connection (refused when 'local' and it is to another host), the domain
 * named by 'word', its lock for 'operation' (refused while an interrupted
 * operation waits for recover). Returns 0 or an exit status. */
int cmd_open_domain(vs_ctx *ctx, const char *word, const char *operation, bool local, virDomainPtr *dom,
                    vs_lock **lock);
/* When the store holds restore point 'name' under a domain named as typed,
 * loads and validates its manifest before any libvirt call: a hostile or
 * broken manifest is refused (VS_EXIT_FAILURE) with nothing touched. */
int cmd_precheck_point(vs_ctx *ctx, const char *domain_word, const char *name);
/* A --description: at most 1024 bytes of valid UTF-8 without control
 * characters (it goes into an XML manifest). */
int cmd_check_description(const char *cmd, const char *desc);
/* --quiesce: its choices for the option table, and the policy named (NULL:
 * auto; the parser has checked the word). */
extern const char *const cmd_quiesce_choices[];
vs_quiesce_policy cmd_quiesce_policy(const char *q);
/* 'given', or "<prefix>-YYYYmmdd-HHMMSS" (local time) written into buf. */
const char *cmd_default_name(const char *given, const char *prefix, char *buf, size_t len);
/* "2026-11-22 08:30:00" (local time); "12.3 ms" or "-" for a negative time. */
void cmd_format_time(long long t, char *buf, size_t len);
void cmd_format_us(long long us, char *buf, size_t len);

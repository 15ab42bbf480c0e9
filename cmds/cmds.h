/* One const vs_cmd per command file; cmds/commands.c lists them. */
#pragma once

#include "cmd.h"

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
extern const vs_cmd cmd_commit;
extern const vs_cmd cmd_revert;
extern const vs_cmd cmd_freeze;
extern const vs_cmd cmd_thaw;
extern const vs_cmd cmd_guardian;
extern const vs_cmd cmd_shell;
extern const vs_cmd cmd_complete;
extern const vs_cmd cmd_self_test;

/* Shared checks of command-line input (cmds/disk_snapshot.c): each returns 0
 * or reports a usage error and returns VS_EXIT_USAGE. */
bool cmd_valid_target(const char *target);
int cmd_check_disks(const char *cmd, char *const *disks);
int cmd_check_name(const char *cmd, const char *name);

/* One const vs_cmd per command file; cmds/commands.c lists them. */
#pragma once

#include "cmd.h"

extern const vs_cmd cmd_help;
extern const vs_cmd cmd_version;
extern const vs_cmd cmd_list;
extern const vs_cmd cmd_save;
extern const vs_cmd cmd_restore;
extern const vs_cmd cmd_recover;
extern const vs_cmd cmd_freeze;
extern const vs_cmd cmd_thaw;
extern const vs_cmd cmd_guardian;
extern const vs_cmd cmd_shell;
extern const vs_cmd cmd_complete;
extern const vs_cmd cmd_self_test;

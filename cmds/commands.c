#include "config.h"
#include "cmds.h"

/* Order is the order of 'virt-state help'. */
const vs_cmd *const vs_commands[] = {
    &cmd_list,
    &cmd_save,
    &cmd_restore,
    &cmd_restore_point_create,
    &cmd_restore_point_list,
    &cmd_restore_point_show,
    &cmd_restore_point_verify,
    &cmd_restore_point_delete,
    &cmd_disk_snapshot_create,
    &cmd_disk_snapshot_list,
    &cmd_disk_snapshot_show,
    &cmd_disk_snapshot_delete,
    &cmd_commit,
    &cmd_revert,
    &cmd_recover,
    &cmd_freeze,
    &cmd_thaw,
    &cmd_shell,
    &cmd_help,
    &cmd_version,
    &cmd_complete,
    &cmd_self_test,
    &cmd_guardian,
    NULL,
};

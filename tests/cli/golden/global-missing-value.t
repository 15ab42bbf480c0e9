# a global option without its value
$ virt-state list --all -c; virt-state -c
--- stdout
--- stderr
virt-state: list: invalid option '-c': unknown option
Try 'virt-state list --help' for more information.
virt-state: option '-c' needs a value
Try 'virt-state --help' for more information.
--- exit 2

# help for an unknown command
$ virt-state help nosuch
--- stdout
--- stderr
virt-state: unknown command 'nosuch'
Run 'virt-state help' for the list of commands.
--- exit 2

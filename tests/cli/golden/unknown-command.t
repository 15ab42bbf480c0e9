# an unknown command is a usage error
$ virt-state frobnicate
--- stdout
--- stderr
virt-state: unknown command 'frobnicate'
Run 'virt-state help' for the list of commands.
--- exit 2

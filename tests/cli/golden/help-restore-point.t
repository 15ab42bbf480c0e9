# help restore-point: the same as restore-point --help
$ virt-state help restore-point
--- stdout
Usage: virt-state restore-point SUBCOMMAND [ARGUMENTS] [OPTIONS]

Subcommands:
  create                 capture a domain's memory and every disk as one restore point
  list                   list restore points
  show                   show one restore point
  verify                 check a restore point against its manifest
  delete                 delete a restore point without losing any other state

Run 'virt-state help restore-point SUBCOMMAND' for one subcommand's usage and options.
--- stderr
--- exit 0

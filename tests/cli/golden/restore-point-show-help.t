# restore-point show --help
$ virt-state restore-point show --help
--- stdout
Usage: virt-state restore-point show DOMAIN NAME

Shows everything the manifest of restore point NAME of DOMAIN records.

Arguments:
  DOMAIN                     the domain: name, UUID or id
  NAME                       the restore point's name

Options:
  -h, --help                 show this help and exit
      --json                 print results as JSON on standard output
  -q, --quiet                no progress or chatter on standard error
--- stderr
--- exit 0

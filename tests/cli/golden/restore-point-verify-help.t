# restore-point verify --help
$ virt-state restore-point verify --help
--- stdout
Usage: virt-state restore-point verify DOMAIN NAME

Checks restore point NAME of DOMAIN: its memory image and definition against
their SHA-256 checksums, each frozen disk file against the identity recorded
(same file, size and modification time: nothing wrote into it), and the backing
chain below each frozen file. Exits 1 and names every problem when it fails.

Arguments:
  DOMAIN                     the domain: name, UUID or id
  NAME                       the restore point's name

Options:
  -h, --help                 show this help and exit
      --json                 print results as JSON on standard output
  -q, --quiet                no progress or chatter on standard error
--- stderr
--- exit 0

# help for one command, generated from the table
$ virt-state help save
--- stdout
Usage: virt-state save DOMAIN [FILE] [--running|--paused] [--bypass-cache] [--xml FILE] [--force] [--managed|--remove-managed]

Saves the memory of a running or paused domain to FILE and stops the domain,
like 'virsh save', but safely: the image is written to a temporary file in
FILE's directory and renamed into place only when complete, so a failed or
interrupted save never destroys an existing FILE. With --managed the memory
goes to libvirt's managed save image instead.

Arguments:
  DOMAIN                     the domain: name, UUID or id
  FILE                       where the memory image goes (not with --managed)

Options:
      --running              the domain runs when restored from the image
      --paused               the domain is paused when restored from the image
      --bypass-cache         write the image without filling the host's page cache
      --xml FILE             domain XML to store in the image instead of the current one (same guest ABI)
      --force                replace FILE if it exists
      --managed              save to libvirt's managed save image instead of FILE; the next start resumes from it
      --remove-managed       remove the domain's managed save image
  -h, --help                 show this help and exit
      --json                 print results as JSON on standard output
  -q, --quiet                no progress or chatter on standard error
--- stderr
--- exit 0

# a link named virt-state-save runs save
$ ln -s $(command -v virt-state) $TMP/virt-state-save; $TMP/virt-state-save --help | head -n 1; $TMP/virt-state-save
--- stdout
Usage: virt-state save DOMAIN [FILE] [--running|--paused] [--bypass-cache] [--xml FILE] [--force] [--managed|--remove-managed]
--- stderr
virt-state: save: missing argument DOMAIN
Try 'virt-state save --help' for more information.
--- exit 2

# --running and --paused exclude each other
$ virt-state save test x --running --paused
--- stdout
--- stderr
virt-state: save: options '--running' and '--paused' exclude each other
Try 'virt-state save --help' for more information.
--- exit 2

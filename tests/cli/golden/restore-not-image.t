# restore of a file that is no memory image
$ echo junk > $TMP/j.img; virt-state -c test:///default restore $TMP/j.img
--- stdout
--- stderr
virt-state: restore: '@TMP@/j.img' is not a usable memory image: incomplete save header in '@TMP@/j.img': Success
--- exit 1

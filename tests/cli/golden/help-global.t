# --help before a command is the overview
$ virt-state --help | head -n 3
--- stdout
Usage: virt-state [GLOBAL OPTIONS] COMMAND [ARGUMENTS] [OPTIONS]
       virt-state [GLOBAL OPTIONS]            (interactive shell)

--- stderr
--- exit 0

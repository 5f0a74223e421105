drwxr-xr-x  3 root     root      4096 Sep 22 04:47 apparmor.d
-rw-r--r--  1 root     root       833 Feb 10  2023 appstream.conf
drwxr-xr-x  8 root     root      4096 Jun 24  2025 apt
-rw-r--r--  1 root     root      1994 Apr 18  2025 bash.bashrc
-rw-r--r--  1 root     root        45 Jan 24  2020 bash_completion
drwxr-xr-x  2 root     root      4096 May  9  2026 bash_completion.d
-rw-r--r--  1 root     root       367 Mar  6  2025 bindresvport.blacklist
drwxr-xr-x  2 root     root      4096 May 29  2025 binfmt.d
drwxr-xr-x  3 root     root      4096 Jun 24  2025 ca-certificates
-rw-r--r--  1 root     root      6105 Jun 24  2025 ca-certificates.conf
drwxr-xr-x  2 root     root      4096 May 20  2025 cron.d
drwxr-xr-x  2 root     root      4096 Sep 22 04:47 cron.daily
drwxr-xr-x  2 root     root      4096 Sep 22 04:47 cron.weekly
drwxr-xr-x  4 root     root      4096 Jun 24  2025 dbus-1
drwxr-xr-x  3 root     root      4096 Jun 24  2025 dconf
-rw-r--r--  1 root     root      2969 Jan  8  2023 debconf.conf
-rw-r--r--  1 root     root         6 May  9  2025 debian_version
drwxr-xr-x  2 root     root      4096 Sep 22 04:47 debuginfod
drwxr-xr-x  2 root     root      4096 May 20  2026 default
-rw-r--r--  1 root     root      1706 May 25  2023 deluser.conf
$ vim -u NONE -N
$ echo two three
two three
$

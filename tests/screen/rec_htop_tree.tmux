
    0[||||||||||||||||||||||||||100.0%] Tasks: 40, 17 thr, 61 kthr; 2 running
    1[||||||||||||||||||||||||||100.0%] Load average: 2.52 2.79 2.64
  Mem[||||                  211M/23.5G] Uptime: 00:52:23
  Swp[                           0K/0K]

  [Main] [I/O]
  PID△USER       PRI  NI  VIRT   RES   SHR S  CPU% MEM%   TIME+  Command
 2322 root        20   0  5548  1108   984 S   0.0  0.0  0:01.31 line_io_tools/b
 2323 root        20   0  5220  4364  3156 S   0.0  0.0  0:00.59 bash /dev/fd/3
 3567 root        20   0  5544  1088   968 S   0.0  0.0  0:01.84 line_io_tools/b
 3568 root        20   0  5128  4064  2964 S   0.0  0.0  0:00.18 bash /dev/fd/3
23905 root        20   0 44660 13196  6304 S   0.0  0.1  0:00.03 /process_api --
25511 root        20   0  5856  3844  2916 S   0.0  0.0  0:00.02 tmux -L cmp -f
25512 root        20   0  4624  3784  3232 S   0.0  0.0  0:00.01 bash --norc
25962 root        20   0  4612  1916  1332 S   0.0  0.0  0:00.00 bash /dev/fd/3
25964 root        20   0  4612  1740  1156 S   0.0  0.0  0:00.00 bash /dev/fd/3
25965 root        20   0 71044 68272  7268 S   0.0  0.3  0:04.99 /root/.pyenv/ve
27430 root        20   0  5544  1088   968 S   0.0  0.0  0:00.00 line_io_tools/b
27431 root        20   0  5544  1088   968 S   0.0  0.0  0:00.00 line_io_tools/b
27436 root        20   0  5128  2816  1716 S   0.0  0.0  0:00.00 bash /dev/fd/3
27437 root        20   0  4612  1956  1372 S   0.0  0.0  0:00.00 bash /dev/fd/3
27439 root        20   0  2920  1844  1732 S   0.0  0.0  0:00.00 sleep 200
F1Help  F2Setup F3SearchF4FilterF5List  F6SortByF7Nice -F8Nice +F9Kill  F10Quit


    0[                            0.0%] Tasks: 26, 16 thr, 62 kthr; 2 running
    1[                            0.0%] Load average: 4.07 2.60 1.11
  Mem[|||||                 224M/23.5G] Uptime: 00:15:50
  Swp[                           0K/0K]

  [Main] [I/O]
  PID USER       PRI  NI  VIRT   RES   SHR S  CPU%▽MEM%   TIME+  Command
    1 root        10 -10 40672 11716  6304 S   0.0  0.0  0:06.64 /process_api --
   59 root        20   0 40672 11716  6304 S   0.0  0.0  0:00.11 /process_api --
   60 root        10 -10 40672 11716  6304 S   0.0  0.0  0:00.08 /process_api --
   61 root        10 -10 40672 11716  6304 S   0.0  0.0  0:00.00 /process_api --
   62 root        10 -10 40672 11716  6304 S   0.0  0.0  0:00.00 /process_api --
   63 root        10 -10 40672 11716  6304 S   0.0  0.0  0:00.00 /process_api --
   64 root        10 -10 40672 11716  6304 S   0.0  0.0  0:00.00 /process_api --
   65 root        20   0 40672 11716  6304 S   0.0  0.0  0:00.00 /process_api --
   68 root        10 -10 40672 11716  6304 S   0.0  0.0  0:01.45 /process_api --
   69 root        10 -10 40672 11716  6304 S   0.0  0.0  0:00.83 /process_api --
   75 root        10 -10 40672 11716  6304 S   0.0  0.0  0:03.22 /process_api --
   76 root        10 -10 40672 11716  6304 S   0.0  0.0  0:00.00 /process_api --
   78 root        20   0 40672 11716  6304 S   0.0  0.0  0:00.00 /process_api --
 1037 root        20   0  1388  1036   940 S   0.0  0.0  0:00.15 line_io_tools/b
 1038 root        20   0  5552  4660  3120 S   0.0  0.0  0:00.21 bash /dev/fd/3
F1Help  F2Setup F3SearchF4FilterF5Tree  F6SortByF7Nice -F8Nice +F9Kill  F10Quit

top - 03:07:17 up 25 min,  0 user,  load average: 2.11, 3.89, 2.76
Tasks: 106 total,   1 running, 105 sleeping,   0 stopped,   0 zombie
%Cpu(s):  0.0 us,  0.0 sy,  0.0 ni,100.0 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st
MiB Mem :  24105.6 total,  21492.8 free,    591.4 used,   2303.9 buff/cache
MiB Swap:      0.0 total,      0.0 free,      0.0 used.  23514.1 avail Mem

  PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND
    1 root      10 -10   43968  14332   6304 S   0.0   0.1   0:11.32 process_a+
    2 root      20   0       0      0      0 S   0.0   0.0   0:00.00 kthreadd
    3 root      20   0       0      0      0 S   0.0   0.0   0:00.00 pool_work+
    4 root       0 -20       0      0      0 I   0.0   0.0   0:00.00 kworker/R+
    5 root       0 -20       0      0      0 I   0.0   0.0   0:00.00 kworker/R+
    6 root       0 -20       0      0      0 I   0.0   0.0   0:00.00 kworker/R+
    7 root       0 -20       0      0      0 I   0.0   0.0   0:00.00 kworker/R+
    8 root       0 -20       0      0      0 I   0.0   0.0   0:00.00 kworker/R+
   10 root       0 -20       0      0      0 I   0.0   0.0   0:00.00 kworker/0+
   11 root      20   0       0      0      0 I   0.0   0.0   0:00.47 kworker/0+
   12 root      20   0       0      0      0 I   0.0   0.0   0:04.76 kworker/u+
   13 root       0 -20       0      0      0 I   0.0   0.0   0:00.00 kworker/R+
   14 root      20   0       0      0      0 S   0.0   0.0   0:00.32 ksoftirqd+
   15 root      20   0       0      0      0 I   0.0   0.0   0:01.43 rcu_preem+
   16 root      20   0       0      0      0 S   0.0   0.0   0:00.00 rcu_exp_p+
   17 root      20   0       0      0      0 S   0.0   0.0   0:00.00 rcu_exp_g+
   18 root      rt   0       0      0      0 S   0.0   0.0   0:00.05 migration+

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// userHZ is the unit of the CPU times in /proc/PID/stat; Linux reports them
// in USER_HZ, which is 100 on every architecture Go supports.
const userHZ = 100

// cpuSeconds is the user plus system CPU time used so far by the process
// and by its living children: nginx's workers are children of the master
// whose pid compare.sh knows.
func cpuSeconds(args []string) (float64, error) {
	if len(args) != 1 {
		return 0, errors.New("usage: helper cpu PID")
	}
	pid, err := strconv.Atoi(args[0])
	if err != nil || pid < 1 {
		return 0, fmt.Errorf("cpu: bad pid %q", args[0])
	}
	_, ticks, err := procStat(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("cpu: %w", err)
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		ppid, t, err := procStat(f)
		if err == nil && ppid == pid {
			ticks += t
		}
	}
	return float64(ticks) / userHZ, nil
}

// procStat reads the parent pid and utime+stime from a /proc/PID/stat.
func procStat(file string) (ppid int, ticks int64, err error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, 0, err
	}
	return parseProcStat(string(b))
}

func parseProcStat(s string) (ppid int, ticks int64, err error) {
	// The command name may hold spaces and parentheses; it ends at the
	// last ')'. After it: state ppid ... utime (14th field) stime (15th).
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, errors.New("reading /proc stat: no command name")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, 0, errors.New("reading /proc stat: too few fields")
	}
	ppid, err1 := strconv.Atoi(f[1])
	utime, err2 := strconv.ParseInt(f[11], 10, 64)
	stime, err3 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return 0, 0, fmt.Errorf("reading /proc stat: %w", err)
	}
	return ppid, utime + stime, nil
}

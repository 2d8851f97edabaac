// Package procstat reads a process's CPU time and memory from Linux's /proc: the server's
// utime+stime before and after a measurement window give its CPU per operation, and
// /proc/<pid>/status its resident set.
package procstat

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ClockTick is USER_HZ, the unit of utime and stime in /proc/<pid>/stat: 100 on every Linux
// architecture Go supports (sysconf(_SC_CLK_TCK) without cgo is not available).
const ClockTick = 10 * time.Millisecond

// CPU is the user+system CPU time of process pid (and of its threads), or an error.
func CPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return ParseStatCPU(string(b))
}

// ParseStatCPU reads utime+stime (fields 14 and 15) from the text of /proc/<pid>/stat. The
// command name (field 2) is in parentheses and may itself contain spaces and parentheses, so
// fields are counted from the last ')'.
func ParseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("procstat: no ')' in stat")
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, errors.New("procstat: short stat")
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("procstat: utime %q stime %q", f[11], f[12])
	}
	return time.Duration(ut+st) * ClockTick, nil
}

// Memory is a process's memory from /proc/<pid>/status, in KiB.
type Memory struct {
	RSS      int64 `json:"rss_kib"`       // VmRSS: resident, all kinds
	HWM      int64 `json:"hwm_kib"`       // VmHWM: peak resident
	RssAnon  int64 `json:"rss_anon_kib"`  // heap, stacks
	RssFile  int64 `json:"rss_file_kib"`  // file-backed pages (bbolt's mmap of its file)
	RssShmem int64 `json:"rss_shmem_kib"` // shared memory (an mmap of a tmpfs file)
	// MappedDB is the part of RSS that is pages of mapped *.db files (bbolt maps its whole file),
	// from /proc/<pid>/smaps; 0 when unknown.
	MappedDB int64 `json:"mapped_db_kib,omitempty"`
}

// Mem reads the memory of process pid.
func Mem(pid int) (Memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	m := ParseStatus(string(b))
	if sm, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid)); err == nil {
		m.MappedDB = MappedRSS(string(sm), ".db")
	}
	return m, nil
}

// MappedRSS sums the Rss of the mappings in smaps text whose path ends with suffix (KiB). A
// mapping's header line has six or more fields (address, perms, offset, dev, inode, path); its
// Rss line follows.
func MappedRSS(smaps, suffix string) int64 {
	var total int64
	in := false
	for _, line := range strings.Split(smaps, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") { // a mapping header
			in = len(f) >= 6 && strings.HasSuffix(strings.Join(f[5:], " "), suffix)
			continue
		}
		if in && f[0] == "Rss:" && len(f) >= 2 {
			if n, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				total += n
			}
		}
	}
	return total
}

// ParseStatus reads the Vm*/Rss* lines of /proc/<pid>/status.
func ParseStatus(status string) Memory {
	var m Memory
	for _, line := range strings.Split(status, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "VmRSS":
			m.RSS = n
		case "VmHWM":
			m.HWM = n
		case "RssAnon":
			m.RssAnon = n
		case "RssFile":
			m.RssFile = n
		case "RssShmem":
			m.RssShmem = n
		}
	}
	return m
}

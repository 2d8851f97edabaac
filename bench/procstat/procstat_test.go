package procstat

import (
	"os"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	// A command name with spaces and parentheses; utime 250, stime 50 ticks.
	stat := "4242 (cog (nate) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 9 0 100 1000000 2000 18446744073709551615"
	got, err := ParseStatCPU(stat)
	if err != nil || got != 3*time.Second {
		t.Fatalf("ParseStatCPU = %v, %v; want 3s", got, err)
	}
	if _, err := ParseStatCPU("1 (x) S 1 2"); err == nil {
		t.Fatal("short stat accepted")
	}
	if _, err := ParseStatCPU("no parens"); err == nil {
		t.Fatal("stat without ) accepted")
	}
}

func TestParseStatus(t *testing.T) {
	m := ParseStatus("Name:\tcognate\nVmHWM:\t  20480 kB\nVmRSS:\t  10240 kB\nRssAnon:\t 8000 kB\nRssFile:\t 2000 kB\nRssShmem:\t 240 kB\n")
	if m != (Memory{RSS: 10240, HWM: 20480, RssAnon: 8000, RssFile: 2000, RssShmem: 240}) {
		t.Fatalf("ParseStatus: %+v", m)
	}
}

func TestSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	if _, err := CPU(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	if m, err := Mem(os.Getpid()); err != nil || m.RSS <= 0 {
		t.Fatalf("Mem: %+v %v", m, err)
	}
}

func TestMappedRSS(t *testing.T) {
	smaps := `55d0c0000000-55d0c0100000 r-xp 00000000 fd:01 123 /usr/bin/cognate
Size:               1024 kB
Rss:                 512 kB
7f0000000000-7f0020000000 r--s 00000000 00:1a 456 /dev/shm/cognate-bench-1/pool-100000/cognate.db
Size:             524288 kB
Rss:              400000 kB
Pss:              400000 kB
7f1000000000-7f1000100000 rw-p 00000000 00:00 0
Rss:                 100 kB
7f2000000000-7f2000001000 r--s 00000000 00:1a 789 /tmp/other.db
Rss:                   4 kB
`
	if got := MappedRSS(smaps, ".db"); got != 400004 {
		t.Fatalf("MappedRSS = %d", got)
	}
}

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat.
// Linux fixes it at 100 on every architecture this runs on (sysconf would
// need cgo).
const clockTicks = 100

// procStat is what the tool reads from /proc/<pid>/stat.
type procStat struct {
	Comm  string
	Ticks int64 // utime + stime, in clock ticks
}

// parseProcStat reads comm and utime+stime from the content of a
// /proc/<pid>/stat file. comm is in parentheses and may itself contain
// spaces and parentheses, so the fields are counted from the last ')'.
func parseProcStat(b []byte) (procStat, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return procStat{}, errors.New("stat: no (comm)")
	}
	// After ")": state(3) ppid(4) … utime(14) stime(15): indexes 11 and 12.
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 13 {
		return procStat{}, fmt.Errorf("stat: %d fields after comm", len(f))
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return procStat{}, fmt.Errorf("stat: %w", err)
	}
	return procStat{Comm: string(b[open+1 : end]), Ticks: u + s}, nil
}

func readProcStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	return parseProcStat(b)
}

// pids lists the numeric entries of /proc.
func pids() []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

// pgBackendDB is the database a Postgres process serves, from the title it
// sets as its cmdline ("postgres: 15/main: <user> <db> <host>(<port>)
// <state>"), or "" for the postmaster and the auxiliary processes
// (checkpointer, WAL writer, autovacuum…), which work for every database.
func pgBackendDB(cmdline string) string {
	cmdline = strings.TrimSpace(strings.ReplaceAll(cmdline, "\x00", " "))
	_, rest, ok := strings.Cut(cmdline, ": ")
	if !ok {
		return ""
	}
	if _, r, ok := strings.Cut(rest, ": "); ok { // skip the cluster name
		rest = r
	}
	f := strings.Fields(rest)
	if len(f) < 3 || !(strings.Contains(f[2], "(") || f[2] == "[local]") {
		return ""
	}
	return f[1]
}

// pgCPU samples the CPU time of Postgres: every process whose comm is
// "postgres", except backends of databases other than db (other people's
// tests on a shared server) when db is set.
type pgCPU struct {
	db string
}

// sample returns utime+stime per pid.
func (p pgCPU) sample() map[int]int64 {
	out := map[int]int64{}
	for _, pid := range pids() {
		st, err := readProcStat(pid)
		if err != nil || st.Comm != "postgres" {
			continue
		}
		if p.db != "" {
			cmd, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
			if d := pgBackendDB(string(cmd)); d != "" && d != p.db {
				continue
			}
		}
		out[pid] = st.Ticks
	}
	return out
}

// ticksDelta sums the CPU ticks spent between two samples by the processes
// alive at the end (a process born in between counts from zero; one that
// exited is lost, which long-lived pooled backends make rare).
func ticksDelta(before, after map[int]int64) int64 {
	var d int64
	for pid, t := range after {
		d += t - before[pid]
	}
	return d
}

// listenInodes returns the socket inodes listening on port, from the
// content of /proc/net/tcp or /proc/net/tcp6.
func listenInodes(table []byte, port int) []string {
	var out []string
	want := fmt.Sprintf(":%04X", port)
	for _, line := range strings.Split(string(table), "\n")[1:] {
		f := strings.Fields(line)
		// sl local_address rem_address st … inode(9)
		if len(f) > 9 && strings.HasSuffix(f[1], want) && f[3] == "0A" {
			out = append(out, f[9])
		}
	}
	return out
}

// pidListening finds the process that has a socket listening on port, by
// matching /proc/net/tcp{,6} inodes against /proc/*/fd links (it sees only
// processes whose fds this user may read: run as the server's user).
func pidListening(port int) (int, error) {
	inodes := map[string]bool{}
	for _, t := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, _ := os.ReadFile(t)
		for _, ino := range listenInodes(b, port) {
			inodes["socket:["+ino+"]"] = true
		}
	}
	if len(inodes) == 0 {
		return 0, fmt.Errorf("nothing listens on port %d", port)
	}
	for _, pid := range pids() {
		fds, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/fd/*")
		for _, fd := range fds {
			if l, err := os.Readlink(fd); err == nil && inodes[l] {
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("no readable process owns the socket on port %d (pass -pid)", port)
}

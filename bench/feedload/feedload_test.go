package main

import (
	"context"
	"encoding/base64"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

func TestEncodeCursor(t *testing.T) {
	t.Parallel()
	c := Cursor{Micros: 1789798501585115, ID: "98266d43-0000-4000-8000-000000000001"}
	got := encodeCursor(c)
	if strings.ContainsAny(got, "+/=") {
		t.Fatalf("cursor %q is not unpadded base64url", got)
	}
	raw, err := base64.RawURLEncoding.DecodeString(got)
	if err != nil {
		t.Fatal(err)
	}
	if want := "1789798501585115.98266d43-0000-4000-8000-000000000001"; string(raw) != want {
		t.Fatalf("decoded %q, want %q", raw, want)
	}
}

func TestParseProcStat(t *testing.T) {
	t.Parallel()
	// A comm with a space and a parenthesis: fields count from the last ')'.
	line := "4242 (kira (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 1234 567 0 0 20 0 8 0 100 1000000 2000\n"
	st, err := parseProcStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if st.Comm != "kira (x) y" || st.Ticks != 1234+567 {
		t.Fatalf("got %+v, want comm %q and 1801 ticks", st, "kira (x) y")
	}
	for _, bad := range []string{"", "12 postgres S 1", "12 (postgres) S 1 2 3"} {
		if _, err := parseProcStat([]byte(bad)); err == nil {
			t.Errorf("parseProcStat(%q): no error", bad)
		}
	}
}

func TestReadOwnProcStat(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	st, err := readProcStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if st.Comm == "" || st.Ticks < 0 {
		t.Fatalf("own stat %+v", st)
	}
}

func TestPgBackendDB(t *testing.T) {
	t.Parallel()
	for cmd, want := range map[string]string{
		"postgres: 15/main: postgres kira_bench 127.0.0.1(39060) idle": "kira_bench",
		"postgres: 15/main: postgres test [local] SELECT":              "test",
		"postgres: 15/main: checkpointer ":                             "",
		"postgres: 15/main: autovacuum launcher ":                      "",
		"/usr/lib/postgresql/15/bin/postgres\x00-D\x00/var/lib/x":      "",
		"postgres: kira kira_bench 10.0.0.2(5000) idle in transaction": "kira_bench",
	} {
		if got := pgBackendDB(cmd); got != want {
			t.Errorf("pgBackendDB(%q) = %q, want %q", cmd, got, want)
		}
	}
}

func TestTicksDelta(t *testing.T) {
	t.Parallel()
	before := map[int]int64{1: 100, 2: 50, 3: 10}
	after := map[int]int64{1: 130, 2: 50, 4: 7} // 3 exited, 4 was born
	if got := ticksDelta(before, after); got != 37 {
		t.Fatalf("delta %d, want 37", got)
	}
}

func TestListenInodes(t *testing.T) {
	t.Parallel()
	table := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:469E 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 123456 1 0000000000000000 100 0 0 10 0
   1: 0100007F:469E 0100007F:D2F0 01 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 20 4 30 10 -1
   2: 00000000:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   113        0 999 1 0000000000000000 100 0 0 10 0
`
	if got := listenInodes([]byte(table), 18078); !reflect.DeepEqual(got, []string{"123456"}) {
		t.Fatalf("port 18078: %v", got)
	}
	if got := listenInodes([]byte(table), 5432); !reflect.DeepEqual(got, []string{"999"}) {
		t.Fatalf("port 5432: %v", got)
	}
}

func TestBindSQL(t *testing.T) {
	t.Parallel()
	q, args, ok := bindSQL("SELECT x FROM t WHERE a = ? AND b IN (?*) AND c < ?", []any{1, []string{"p", "q"}, 3})
	if !ok || q != "SELECT x FROM t WHERE a = $1 AND b IN ($2, $3) AND c < $4" ||
		!reflect.DeepEqual(args, []any{1, "p", "q", 3}) {
		t.Fatalf("got %q %v %v", q, args, ok)
	}
	if _, _, ok := bindSQL("SELECT 1 WHERE a IN (?*)", []any{[]string{}}); ok {
		t.Fatal("an empty list must skip the statement")
	}
}

// TestEverySequenceHasItsRoute checks that queries.go and routes.go agree
// and that each sequence binds with its own arguments.
func TestEverySequenceHasItsRoute(t *testing.T) {
	t.Parallel()
	seqs := rawSequences()
	if len(seqs) != len(routes) {
		t.Errorf("%d sequences for %d routes", len(seqs), len(routes))
	}
	for _, rt := range routes {
		if _, ok := seqs[rt.Name]; !ok {
			t.Errorf("no sequence for route %s", rt.Name)
		}
	}
	if _, err := selectRoutes("feed,nope"); err == nil {
		t.Error("unknown route accepted")
	}
}

func TestSummaries(t *testing.T) {
	t.Parallel()
	if got := thousands(1234567.4); got != "1,234,567" {
		t.Errorf("thousands = %q", got)
	}
	if got := median([]float64{3, 1, 2, 10}); got != 2.5 {
		t.Errorf("median = %v", got)
	}
	rs := []round{{N: 100, Elapsed: time.Second, Server: 10, PG: 5, Lat: []time.Duration{1, 2, 3}},
		{N: 300, Elapsed: time.Second, Server: 30, PG: 15, Lat: []time.Duration{4}}}
	s := summarize(rs)
	// 40 ticks = 400 ms over 400 requests = 1 ms each.
	if s.rateMed != 200 || s.rateMin != 100 || s.serverUS != 1000 || s.pgUS != 500 || s.p50 != 3 {
		t.Errorf("summary %+v", s)
	}
}

// TestSequencesRun runs every route's SQL once against the seeded database
// named by KIRA_BENCH_DATABASE_URL (skipped without it), so a change to
// queries.go that no longer parses or binds fails here. like and unlike
// run on one pair, which leaves the database as it was.
func TestSequencesRun(t *testing.T) {
	url := os.Getenv("KIRA_BENCH_DATABASE_URL")
	if url == "" {
		t.Skip("KIRA_BENCH_DATABASE_URL not set")
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	fx, err := loadFixtures(ctx, pool, 1000, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range routes {
		r := &Req{Fx: fx}
		if rt.Likes {
			r.Pair = fx.Pairs[0]
		}
		if err := runSeq(ctx, pool, rawSequences()[rt.Name], r); err != nil {
			t.Errorf("%s: %v", rt.Name, err)
		}
		if rt.Likes && r.Affected(0) != 1 { // the one statement updates the post's counter
			t.Errorf("%s: changed %d posts, want 1", rt.Name, r.Affected(0))
		}
		if rt.Name == "feed" && len(r.rows[0]) != feedsPerPage+1 {
			t.Errorf("feed page: %d rows", len(r.rows[0]))
		}
	}
}

// Command feedload measures the API against the database it runs on.
//
// By default (-mode side) it runs each route side by side with its own SQL:
// against a running `kira serve` and the seeded Postgres behind it, for
// every route it sends HTTP requests from -c keep-alive clients for -d,
// then runs, from -c pgx connections for -d, the statements that route
// sends to the database (the "raw" loop, the limit the route could reach;
// queries.go lists them per route), and alternates the two -rounds times
// (HTTP, raw, HTTP, raw, …) after a warm-up of each, so that the noise of a
// shared machine falls on both sides alike. It prints a markdown table per
// route: HTTP req/s (median over rounds and range), p50 and p99 latency,
// CPU per request of the server process and of Postgres, the raw loop's
// req/s and Postgres CPU per query, and http/raw, the ratio of the median
// rates (with the range of the per-pair ratios).
//
// CPU is read from /proc: utime+stime of the server pid (-pid, or the
// process listening on -url's port), and of every process whose comm is
// "postgres" except backends of other databases than -db's (other
// people's tests on a shared server; -pg-all counts them too), as a delta
// over the round divided by its requests.
//
// Routes (-routes, comma-separated names; default all): feed (page 1,
// anonymous), feed-signed (page 1 with a token), feed-deep (a keyset
// cursor -depth posts deep), featured, feed-id, like (PUT /like/{id}, each
// request a fresh (user, post) pair), unlike (DELETE /like/{id} of the
// likes like gave; the likes left are taken back at the end, so the
// database ends as it began), profile, threads, messages
// (/agent/chatMessages/{threadId}), timelines and health (raw: SELECT 1).
// The signed-in routes use the user with the median number of posts and
// that user's thread with the median number of messages. Tokens are
// minted in-process with the development key in -data-dir, which must be
// the server's KIRA_DATA_DIR.
//
//	go run ./bench/feedload -url http://127.0.0.1:18080 \
//	  -db 'postgres://postgres@127.0.0.1:5432/kira_bench?sslmode=disable' \
//	  -data-dir /tmp/kira-bench-data -c 32 -rounds 3 -d 3s
//
// Flags of -mode side: -url, -db, -data-dir, -c, -rounds, -d, -warmup,
// -routes, -depth, -pid, -pg-all, -like-users, -like-posts, -timeout.
//
// -mode latency is the tool's first form: -n requests per case from -c
// clients and latency percentiles, for the feed cases or -paths (with
// -token). docs/benchmarks.md has the numbers and the set-up.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/kira-art/kira/bench/internal/loadkit"

	"github.com/jackc/pgx/v5/pgxpool"
)

func main() {
	mode := flag.String("mode", "side", "side (HTTP and raw SQL side by side) or latency (the first form)")
	base := flag.String("url", "http://127.0.0.1:18080", "server base URL")
	dbURL := flag.String("db", "", "the server's Postgres database (required by -mode side)")
	dataDir := flag.String("data-dir", os.Getenv("KIRA_DATA_DIR"), "the server's KIRA_DATA_DIR (its development key signs the tokens)")
	c := flag.Int("c", 32, "concurrent clients (HTTP connections, pgx pool size)")
	rounds := flag.Int("rounds", 3, "rounds of each side per route")
	d := flag.Duration("d", 3*time.Second, "length of a round")
	warmup := flag.Duration("warmup", time.Second, "warm-up of each side per route")
	only := flag.String("routes", "all", "comma-separated routes to run")
	depth := flag.Int("depth", 500_000, "depth of the keyset cursor case (posts scrolled past)")
	pid := flag.Int("pid", 0, "server process id (default: the process listening on -url's port)")
	pgAll := flag.Bool("pg-all", false, "count the Postgres backends of every database, not only -db's")
	likeUsers := flag.Int("like-users", 200, "users giving likes")
	likePosts := flag.Int("like-posts", 1000, "posts receiving likes (without likes before the run)")
	timeout := flag.Duration("timeout", 30*time.Second, "HTTP request timeout")
	n := flag.Int("n", 400, "-mode latency: requests per case")
	paths := flag.String("paths", "", "-mode latency: comma-separated paths instead of the feed cases")
	token := flag.String("token", "", "-mode latency: bearer token sent with every request")
	flag.Parse()

	var err error
	switch *mode {
	case "latency":
		err = runLatency(*base, *dbURL, *depth, *n, *c, *paths, *token)
	case "side":
		err = runSide(sideFlags{base: *base, db: *dbURL, dataDir: *dataDir, c: *c, routes: *only, depth: *depth,
			pid: *pid, pgAll: *pgAll, likeUsers: *likeUsers, likePosts: *likePosts, timeout: *timeout,
			opts: sideOptions{rounds: *rounds, round: *d, warmup: *warmup}})
	default:
		err = fmt.Errorf("unknown -mode %q", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "feedload:", err)
		os.Exit(1)
	}
}

type sideFlags struct {
	base, db, dataDir, routes string
	c, depth, pid             int
	likeUsers, likePosts      int
	pgAll                     bool
	timeout                   time.Duration
	opts                      sideOptions
}

func runSide(f sideFlags) error {
	rts, err := selectRoutes(f.routes)
	if err != nil {
		return err
	}
	if err := checkSide(f, rts); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg, err := pgxpool.ParseConfig(f.db)
	if err != nil {
		return fmt.Errorf("-db: %w", err)
	}
	cfg.MaxConns, cfg.MinConns = int32(f.c), int32(f.c)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	fmt.Fprintln(os.Stderr, "feedload: choosing fixtures…")
	fx, err := loadFixtures(ctx, pool, f.depth, f.likeUsers, f.likePosts)
	if err != nil {
		return err
	}
	if err := fx.mintTokens(f.dataDir); err != nil {
		return err
	}
	b := &bench{base: strings.TrimRight(f.base, "/"), client: newClient(f.c, f.timeout), pool: pool, fx: fx, c: f.c,
		pid: f.pid}
	if !f.pgAll {
		b.pg.db = cfg.ConnConfig.Database
	}
	if b.pid == 0 {
		if b.pid, err = serverPID(f.base); err != nil {
			fmt.Fprintln(os.Stderr, "feedload: server CPU unknown:", err)
		}
	}
	if err := b.warmProfiles(ctx); err != nil {
		return err
	}
	load0 := loadkit.LoadAvg()
	began := time.Now()
	results, err := b.runRoutes(ctx, rts, rawSequences(), f.opts)
	fmt.Printf("feedload side by side, %s: -c %d, %d+%d rounds of %s (warm-up %s), server pid %d, load average %s at start, %s at end, %s in all\n\n",
		began.UTC().Format(time.RFC3339), f.c, f.opts.rounds, f.opts.rounds, f.opts.round, f.opts.warmup, b.pid,
		load0, loadkit.LoadAvg(), time.Since(began).Round(time.Second))
	fmt.Printf("Fixtures: user %s, thread %s, post %s, cursor %d deep, %d like pairs (%d users).\n\n",
		fx.User, fx.Thread, fx.FeedID, f.depth, len(fx.Pairs), f.likeUsers)
	writeTable(os.Stdout, results)
	return err
}

func checkSide(f sideFlags, rts []route) error {
	if f.db == "" {
		return fmt.Errorf("-db is required (the server's database)")
	}
	if f.dataDir == "" {
		return fmt.Errorf("-data-dir is required (the server's KIRA_DATA_DIR)")
	}
	if f.c < 1 || f.opts.rounds < 1 {
		return fmt.Errorf("-c and -rounds must be positive")
	}
	has := map[string]bool{}
	for _, r := range rts {
		has[r.Name] = true
	}
	if has["unlike"] && !has["like"] {
		return fmt.Errorf("route unlike takes back the likes of route like: select both")
	}
	return nil
}

// warmProfiles sends one request per token, so the server's lazy sign-up
// (a profile query per user, once per process) happens before any round.
func (b *bench) warmProfiles(ctx context.Context) error {
	for _, tok := range b.fx.tokens {
		if err := b.do(ctx, "GET", "/like/"+b.fx.FeedID, tok); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	return nil
}

// serverPID finds the process listening on the URL's port.
func serverPID(base string) (int, error) {
	u, err := url.Parse(base)
	if err != nil {
		return 0, err
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil {
		return 0, fmt.Errorf("no port in %s", base)
	}
	return pidListening(port)
}

// Command feedload measures the feed end to end: it sends GET requests to a
// running kira server with a few concurrent clients and prints latency
// percentiles per case (first page, a deep ?page=, a media type, a deep
// keyset ?cursor=), or any paths given with -paths. The store-level benchmarks in internal/store measure
// the queries alone; this adds routing, rendering, URL signing and JSON.
//
//	go run ./bench/feedload -url http://localhost:8080 \
//	  -db 'postgres://postgres@127.0.0.1:5432/kira_bench?sslmode=disable' -n 400 -c 4
//
// docs/benchmarks.md has the numbers and the set-up.
package main

import (
	"context"
	"database/sql"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the -db connection
)

func main() {
	base := flag.String("url", "http://localhost:8080", "server base URL")
	dbURL := flag.String("db", "", "the server's Postgres database, to find a deep keyset cursor (optional)")
	depth := flag.Int("depth", 500_000, "depth of the keyset case (posts scrolled past)")
	n := flag.Int("n", 400, "requests per case")
	c := flag.Int("c", 4, "concurrent clients")
	paths := flag.String("paths", "", "comma-separated paths to measure instead of the feed cases (e.g. /thread/timelines)")
	token := flag.String("token", "", "bearer token sent with every request (kira token --sub <user id>)")
	flag.Parse()

	cases := []string{"/feed/", "/feed/?page=50", "/feed/?page=500", "/feed/?mediaType=video"}
	if *paths != "" {
		cases, *dbURL = strings.Split(*paths, ","), ""
	}
	bearer = *token
	if *dbURL != "" {
		cur, err := deepCursor(*dbURL, *depth)
		if err != nil {
			fmt.Fprintln(os.Stderr, "feedload:", err)
			os.Exit(1)
		}
		cases = append(cases, "/feed/?cursor="+cur)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "case\trequests\tp50\tp90\tp99\tmax\tbytes/resp\treq/s")
	for _, path := range cases {
		r, err := run(*base+path, *n, *c)
		if err != nil {
			fmt.Fprintln(os.Stderr, "feedload:", path, err)
			os.Exit(1)
		}
		name := path
		if len(name) > 40 {
			name = name[:14] + "…(depth " + strconv.Itoa(*depth) + ")"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%d\t%.0f\n", name, len(r.lat), r.pct(50), r.pct(90), r.pct(99),
			r.pct(100), r.bytes, float64(len(r.lat))/r.wall.Seconds())
	}
	tw.Flush()
}

// bearer is the -token flag, sent as Authorization when set.
var bearer string

// result is one case's latencies.
type result struct {
	lat   []time.Duration
	bytes int
	wall  time.Duration
}

func (r result) pct(p int) time.Duration {
	i := min(len(r.lat)-1, (len(r.lat)*p)/100)
	return r.lat[i].Round(10 * time.Microsecond)
}

// run sends n requests from c clients after a short warm-up, so the first
// connections and cold caches do not count.
func run(url string, n, c int) (result, error) {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: c}}
	for range c {
		if _, err := get(client, url); err != nil {
			return result{}, err
		}
	}
	var mu sync.Mutex
	var res result
	var first error
	jobs := make(chan struct{})
	var wg sync.WaitGroup
	began := time.Now()
	for range c {
		wg.Go(func() {
			for range jobs {
				t := time.Now()
				size, err := get(client, url)
				d := time.Since(t)
				mu.Lock()
				res.lat = append(res.lat, d)
				res.bytes = size
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	res.wall = time.Since(began)
	slices.Sort(res.lat)
	return res, first
}

func get(client *http.Client, url string) (int, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d: %.200s", resp.StatusCode, b)
	}
	return len(b), err
}

// deepCursor finds the public post at depth and encodes it as GET /feed/
// encodes nextCursor (base64url of "<created_at micros>.<id>"); following
// nextCursor for hundreds of thousands of posts would take too long.
func deepCursor(dbURL string, depth int) (string, error) {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return "", err
	}
	defer db.Close()
	var us int64
	var id string
	err = db.QueryRowContext(context.Background(), `SELECT created_at, id FROM feeds WHERE is_public
		ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1`, depth).Scan(&us, &id)
	if err != nil {
		return "", fmt.Errorf("post at depth %d: %w", depth, err)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(us, 10) + "." + id)), nil
}

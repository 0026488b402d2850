package main

import (
	"context"
	"database/sql"
	"encoding/base64"
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

// runLatency is -mode latency, the tool's first form: n requests per case
// from c clients after a warm-up, latency percentiles per case (the first
// page, a deep ?page=, a media type and, with a database, a deep keyset
// ?cursor=), or the paths given with -paths.
func runLatency(base, dbURL string, depth, n, c int, paths, token string) error {
	cases := []string{"/feed/", "/feed/?page=50", "/feed/?page=500", "/feed/?mediaType=video"}
	if paths != "" {
		cases, dbURL = strings.Split(paths, ","), ""
	}
	bearer = token
	if dbURL != "" {
		cur, err := deepCursor(dbURL, depth)
		if err != nil {
			return err
		}
		cases = append(cases, "/feed/?cursor="+cur)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "case\trequests\tp50\tp90\tp99\tmax\tbytes/resp\treq/s")
	for _, path := range cases {
		r, err := run(base+path, n, c)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		name := path
		if len(name) > 40 {
			name = name[:14] + "…(depth " + strconv.Itoa(depth) + ")"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%d\t%.0f\n", name, len(r.lat), r.pct(50), r.pct(90), r.pct(99),
			r.pct(100), r.bytes, float64(len(r.lat))/r.wall.Seconds())
	}
	return tw.Flush()
}

// bearer is the -token flag, sent as Authorization when set.
var bearer string

// latencies is one case's latencies.
type latencies struct {
	lat   []time.Duration
	bytes int
	wall  time.Duration
}

func (r latencies) pct(p int) time.Duration {
	i := min(len(r.lat)-1, (len(r.lat)*p)/100)
	return r.lat[i].Round(10 * time.Microsecond)
}

// run sends n requests from c clients after a short warm-up, so the first
// connections and cold caches do not count.
func run(url string, n, c int) (latencies, error) {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: c}}
	for range c {
		if _, err := get(client, url); err != nil {
			return latencies{}, err
		}
	}
	var mu sync.Mutex
	var res latencies
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

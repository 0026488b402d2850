package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// round is one measured round of one side.
type round struct {
	N        int
	Errors   int
	FirstErr string
	Elapsed  time.Duration
	Lat      []time.Duration
	Server   int64 // server CPU ticks (-1: unknown)
	PG       int64 // Postgres CPU ticks
}

func (r round) rate() float64 { return float64(r.N) / r.Elapsed.Seconds() }

// bench holds what every round needs.
type bench struct {
	base   string
	client *http.Client
	pool   *pgxpool.Pool
	fx     *Fixtures
	c      int
	pid    int // server process, 0 = unknown
	pg     pgCPU
}

// one performs a single request or raw sequence; false stops the worker
// (like pairs exhausted).
type one func(ctx context.Context) (ok bool, err error)

// measure runs op from b.c workers until d has passed or op says stop, and
// samples the CPU of the server and of Postgres around it.
func (b *bench) measure(ctx context.Context, d time.Duration, op one) round {
	var mu sync.Mutex
	var res round
	srv0, pg0 := b.serverTicks(), b.pg.sample()
	began := time.Now()
	deadline := began.Add(d)
	var wg sync.WaitGroup
	for range b.c {
		wg.Go(func() {
			var lat []time.Duration
			var n, errs int
			var first string
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t := time.Now()
				ok, err := op(ctx)
				if !ok {
					break
				}
				lat = append(lat, time.Since(t))
				n++
				if err != nil {
					if errs++; first == "" {
						first = err.Error()
					}
				}
			}
			mu.Lock()
			res.N, res.Errors, res.Lat = res.N+n, res.Errors+errs, append(res.Lat, lat...)
			if res.FirstErr == "" {
				res.FirstErr = first
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(began)
	res.PG = ticksDelta(pg0, b.pg.sample())
	if srv1 := b.serverTicks(); srv0 >= 0 && srv1 >= 0 {
		res.Server = srv1 - srv0
	} else {
		res.Server = -1
	}
	return res
}

func (b *bench) serverTicks() int64 {
	if b.pid == 0 {
		return -1
	}
	st, err := readProcStat(b.pid)
	if err != nil {
		return -1
	}
	return st.Ticks
}

// httpOp sends one request of rt; like routes take their pair from q.
func (b *bench) httpOp(rt route, q *pairQueue) one {
	return func(ctx context.Context) (bool, error) {
		var p Pair
		token := ""
		if rt.Likes {
			var ok bool
			if p, ok = q.take(); !ok {
				return false, nil
			}
			token = b.fx.tokens[p.User]
		} else if rt.Signed {
			token = b.fx.tokens[b.fx.User]
		}
		return true, b.do(ctx, rt.Method, rt.Path(b.fx, p), token)
	}
}

// do sends a request and reads the whole body; anything but 200 is an error.
func (b *bench) do(ctx context.Context, method, path, token string) error {
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s %s: status %d: %.200s", method, path, resp.StatusCode, body)
	}
	return err
}

// rawOp runs one request's statements of seq; like routes take their pair
// from q.
func (b *bench) rawOp(rt route, seq Seq, q *pairQueue) one {
	return func(ctx context.Context) (bool, error) {
		r := &Req{Fx: b.fx}
		if rt.Likes {
			var ok bool
			if r.Pair, ok = q.take(); !ok {
				return false, nil
			}
		}
		return true, runSeq(ctx, b.pool, seq, r)
	}
}

func newClient(c int, timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		MaxIdleConns: 2 * c, MaxIdleConnsPerHost: 2 * c, IdleConnTimeout: time.Minute}}
}

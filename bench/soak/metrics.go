package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kira-art/kira/bench/internal/loadkit"
)

// procSample is one instance's process at one moment (-1: unknown).
type procSample struct {
	goroutines float64
	rss        float64 // bytes
	heapInuse  float64 // bytes (go_memstats_heap_inuse_bytes)
}

// sample is every instance at one moment.
type sample struct {
	label string
	at    time.Duration // since the load started
	procs []procSample
}

// wanted are the metrics read from /metrics.
var wanted = map[string]func(*procSample, float64){
	"go_goroutines":                 func(p *procSample, v float64) { p.goroutines = v },
	"process_resident_memory_bytes": func(p *procSample, v float64) { p.rss = v },
	"go_memstats_heap_inuse_bytes":  func(p *procSample, v float64) { p.heapInuse = v },
}

// parseMetrics reads the wanted gauges from the Prometheus text format.
func parseMetrics(r io.Reader) procSample {
	p := procSample{-1, -1, -1}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if set := wanted[name]; ok && set != nil {
			if v, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
				set(&p, v)
			}
		}
	}
	return p
}

// probe reads each instance: its /metrics, or the RSS of its -pid.
func (s *soak) probe(ctx context.Context) []procSample {
	n := max(len(s.o.metrics), len(s.o.pids))
	out := make([]procSample, n)
	for i := range out {
		out[i] = procSample{-1, -1, -1}
		if i < len(s.o.metrics) {
			out[i] = s.scrape(ctx, s.o.metrics[i])
		}
		if out[i].rss < 0 && i < len(s.o.pids) {
			if b := loadkit.RSS(strconv.Itoa(s.o.pids[i])); b > 0 {
				out[i].rss = float64(b)
			}
		}
	}
	return out
}

func (s *soak) scrape(ctx context.Context, url string) procSample {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return procSample{-1, -1, -1}
	}
	resp, err := s.http.Do(req)
	if err != nil {
		s.log("metrics %s: %v", url, err)
		return procSample{-1, -1, -1}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.log("metrics %s: %s", url, resp.Status)
		return procSample{-1, -1, -1}
	}
	return parseMetrics(resp.Body)
}

// settle waits until every instance's goroutine count has not moved for
// five probes a second apart (runs, pushes and keep-alive connections
// have wound down), at most -settle.
func (s *soak) settle(ctx context.Context) []procSample {
	deadline := time.Now().Add(s.o.settle)
	last, same := s.probe(ctx), 0
	for same < 5 && time.Now().Before(deadline) && ctx.Err() == nil {
		s.sleep(ctx, time.Second)
		cur := s.probe(ctx)
		if sameGoroutines(cur, last) {
			same++
		} else {
			same = 0
		}
		last = cur
	}
	return last
}

func sameGoroutines(a, b []procSample) bool {
	for i := range a {
		if a[i].goroutines != b[i].goroutines {
			return false
		}
	}
	return true
}

package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/kira-art/kira/bench/internal/loadkit"
)

// summary is one side of a route over its rounds.
type summary struct {
	rateMed, rateMin, rateMax float64
	p50, p99                  time.Duration
	serverUS, pgUS            float64 // CPU µs per request; serverUS < 0: unknown
	errors                    int
}

func summarize(rs []round) summary {
	var s summary
	if len(rs) == 0 {
		return s
	}
	rates := make([]float64, len(rs))
	var lat []time.Duration
	var n int
	var srv, pg int64
	for i, r := range rs {
		rates[i] = r.rate()
		lat = append(lat, r.Lat...)
		n += r.N
		s.errors += r.Errors
		pg += r.PG
		if r.Server < 0 || srv < 0 {
			srv = -1
		} else {
			srv += r.Server
		}
	}
	s.rateMed, s.rateMin, s.rateMax = median(rates), slices.Min(rates), slices.Max(rates)
	slices.Sort(lat)
	s.p50, s.p99 = loadkit.Percentile(lat, 50), loadkit.Percentile(lat, 99)
	s.serverUS, s.pgUS = -1, ticksPerReq(pg, n)
	if srv >= 0 {
		s.serverUS = ticksPerReq(srv, n)
	}
	return s
}

// ticksPerReq converts clock ticks spent over n requests to µs per request.
func ticksPerReq(ticks int64, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(ticks) * (1e6 / clockTicks) / float64(n)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// pairRatios are http/raw per pair of consecutive rounds.
func pairRatios(res result) []float64 {
	var out []float64
	for i := range min(len(res.http), len(res.raw)) {
		if r := res.raw[i].rate(); r > 0 {
			out = append(out, res.http[i].rate()/r)
		}
	}
	return out
}

// writeTable prints the results as a markdown table.
func writeTable(w io.Writer, results []result) {
	fmt.Fprintln(w, "| route | HTTP req/s (median, range) | p50 | p99 | server CPU/req | Postgres CPU/req | raw req/s (median, range) | raw Postgres CPU/query | http/raw (pairs) |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, res := range results {
		h, r := summarize(res.http), summarize(res.raw)
		ratio := "–"
		if r.rateMed > 0 {
			ratio = fmt.Sprintf("%.2f", h.rateMed/r.rateMed)
			if pr := pairRatios(res); len(pr) > 1 {
				ratio += fmt.Sprintf(" (%.2f–%.2f)", slices.Min(pr), slices.Max(pr))
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", res.rt.Label, rateCell(h), ms(h.p50), ms(h.p99),
			us(h.serverUS), us(h.pgUS), rateCell(r), us(r.pgUS), ratio)
	}
	for _, res := range results {
		if e := summarize(res.http).errors + summarize(res.raw).errors; e > 0 {
			fmt.Fprintf(w, "\n%s: %d errors (see stderr)\n", res.rt.Label, e)
		}
	}
}

func rateCell(s summary) string {
	return fmt.Sprintf("%s (%s–%s)", thousands(s.rateMed), thousands(s.rateMin), thousands(s.rateMax))
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + " ms" }

func us(v float64) string {
	if v < 0 {
		return "n/a"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + " µs"
}

// thousands formats a rate as an integer with thousands separators.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(v+0.5), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

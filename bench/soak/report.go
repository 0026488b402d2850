package main

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"time"
)

// report is what a run measured.
type report struct {
	o            options
	began        time.Time
	elapsed      time.Duration
	load0, load1 string
	routes       []routeSummary
	samples      []sample
}

// errors counts the errors other than 429s.
func (r *report) errors() int {
	n := 0
	for _, rt := range r.routes {
		n += rt.errs
	}
	return n
}

// write prints the report as Markdown.
func (r *report) write(w io.Writer) {
	o := r.o
	fmt.Fprintf(w, "soak, %s: %s of load on %s; %d users; workers: feed %d, likes %d, profile %d, chat %d (1 run in %d dropped and resumed), upload %d, tasks %d, idle websockets %d; forwarded-for %v; credits/plan via kira: %v; load average %s at start, %s at end; client %s, GOMAXPROCS %d\n\n",
		r.began.Format(time.RFC3339), r.elapsed.Round(time.Second), strings.Join(o.urls, ", "), o.users, o.feed, o.likes,
		o.profile, o.chat, o.drop, o.upload, o.tasks, o.ws, o.forwardedFor, o.kira != "", r.load0, r.load1,
		runtime.Version(), runtime.GOMAXPROCS(0))
	r.writeRoutes(w)
	r.writeSamples(w)
	r.writeFirstErrors(w)
}

func (r *report) writeRoutes(w io.Writer) {
	fmt.Fprintln(w, "| route | requests | ok | 429 | errors | p50 | p99 | max | req/s |")
	fmt.Fprintln(w, "|---|--:|--:|--:|---|--:|--:|--:|--:|")
	secs := r.elapsed.Seconds()
	var total, ok, limited int
	for _, rt := range r.routes {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %s | %s | %s | %s | %.1f |\n", rt.route, rt.n, rt.ok, rt.limited,
			kinds(rt.byKind), ms(rt.p50), ms(rt.p99), ms(rt.max), float64(rt.n)/secs)
		total, ok, limited = total+rt.n, ok+rt.ok, limited+rt.limited
	}
	fmt.Fprintf(w, "| **all** | %d | %d | %d | %d | | | | %.1f |\n\n", total, ok, limited, r.errors(), float64(total)/secs)
}

// kinds formats errors by kind: "status 500 ×3, transport ×1" (or 0).
func kinds(m map[string]int) string {
	if len(m) == 0 {
		return "0"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", strings.ReplaceAll(k, "|", "/"), m[k])
	}
	return strings.Join(parts, ", ")
}

func (r *report) writeSamples(w io.Writer) {
	n := 0
	for _, s := range r.samples {
		n = max(n, len(s.procs))
	}
	if n == 0 {
		fmt.Fprintln(w, "No /metrics or -pid: goroutines and RSS unknown.")
		return
	}
	fmt.Fprint(w, "| when | t |")
	for i := range n {
		fmt.Fprintf(w, " goroutines #%d | RSS #%d | heap in use #%d |", i+1, i+1, i+1)
	}
	fmt.Fprint(w, "\n|---|--:|"+strings.Repeat("--:|--:|--:|", n)+"\n")
	for _, s := range r.samples {
		label := s.label
		if label == "" {
			label = "·"
		}
		fmt.Fprintf(w, "| %s | %s |", label, s.at.Round(time.Second))
		for i := range n {
			p := procSample{-1, -1, -1}
			if i < len(s.procs) {
				p = s.procs[i]
			}
			fmt.Fprintf(w, " %s | %s | %s |", count(p.goroutines), mib(p.rss), mib(p.heapInuse))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	r.writeGrowth(w, n)
}

// writeGrowth compares, per instance, the end of the load with the sample
// after the warm-up (both under load) and the idle end with the start.
func (r *report) writeGrowth(w io.Writer, n int) {
	find := func(label string) *sample {
		for i := range r.samples {
			if r.samples[i].label == label && len(r.samples[i].procs) == n {
				return &r.samples[i]
			}
		}
		return nil
	}
	start, warm, end, idle := find("start (idle, before set-up)"), find("after warm-up"), find("end of load"), find("idle end (settled)")
	for i := range n {
		if warm != nil && end != nil {
			a, b := warm.procs[i], end.procs[i]
			fmt.Fprintf(w, "Instance #%d under load, after warm-up → end: goroutines %s → %s, RSS %s → %s, heap in use %s → %s.\n",
				i+1, count(a.goroutines), count(b.goroutines), mib(a.rss), mib(b.rss), mib(a.heapInuse), mib(b.heapInuse))
		}
		if start != nil && idle != nil {
			fmt.Fprintf(w, "Instance #%d idle, start → settled end: goroutines %s → %s.\n", i+1,
				count(start.procs[i].goroutines), count(idle.procs[i].goroutines))
		}
	}
	fmt.Fprintln(w)
}

func (r *report) writeFirstErrors(w io.Writer) {
	for _, rt := range r.routes {
		if rt.firstErr != "" {
			fmt.Fprintf(w, "first error of %s: %s\n", rt.route, rt.firstErr)
		}
	}
}

func ms(d time.Duration) string {
	if d < 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f ms", float64(d)/1e6)
}

func count(v float64) string {
	if v < 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f", v)
}

func mib(v float64) string {
	if v < 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f MiB", v/(1<<20))
}

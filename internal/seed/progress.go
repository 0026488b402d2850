package seed

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress draws one line on a terminal: phase, bar, count, rate. Redraws
// are limited to a few per second so a fast phase does not spend its time
// printing.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	phase   string
	total   int
	n       int
	began   time.Time
	drawn   time.Time
	enabled bool
}

func newProgress(w io.Writer, phase string, total int) *progress {
	p := &progress{w: w, phase: phase, total: total, began: time.Now(), enabled: w != nil}
	p.draw(true)
	return p
}

// add counts n more units done.
func (p *progress) add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n += n
	p.draw(false)
}

// done draws the final state and ends the line.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw(true)
	if p.enabled {
		fmt.Fprintln(p.w)
	}
}

const barWidth = 30

func (p *progress) draw(force bool) {
	if !p.enabled || (!force && time.Since(p.drawn) < 200*time.Millisecond) {
		return
	}
	p.drawn = time.Now()
	frac := 1.0
	if p.total > 0 {
		frac = min(1, float64(p.n)/float64(p.total))
	}
	full := int(frac * barWidth)
	elapsed := time.Since(p.began)
	rate := float64(p.n) / max(elapsed.Seconds(), 1e-3)
	fmt.Fprintf(p.w, "\r%-6s [%s%s] %3.0f%% %d/%d  %s  %.0f/s ", p.phase, strings.Repeat("#", full),
		strings.Repeat("-", barWidth-full), frac*100, p.n, p.total, elapsed.Truncate(100*time.Millisecond), rate)
}

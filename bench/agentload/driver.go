package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kira-art/kira/bench/internal/loadkit"
	"github.com/kira-art/kira/internal/auth"
)

// streamReady bounds the wait for a stream's first chunks.
const streamReady = 60 * time.Second

// driver is the client process of -mode sse. It reads one command per line
// on stdin and answers one line on stdout, "ok ..." or "err ...":
//
//	setup N     create N sessions (user + thread) and one extra for the shared run
//	post        start a run on every session and keep the POST streams open
//	close       close every open stream (runs go on, detached)
//	view        open one GET /agent/stream viewer per session
//	stop        stop the runs of every session
//	shared N    start a run on the extra session and open N viewers of it
//	stopshared  stop the extra session's run
//
// It exits when stdin ends or after -timeout.
type driver struct {
	c        *client
	conc     int
	sessions []session
	extra    session

	mu      sync.Mutex
	streams []io.Closer
	drains  sync.WaitGroup
}

// runDriver runs the command loop and returns the exit code.
func runDriver(o options) int {
	key, err := auth.LoadOrCreateDevKey(o.dataDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "agentload driver:", err)
		return 1
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	time.AfterFunc(o.timeout+10*time.Second, func() { os.Exit(3) }) // a hung command cannot outlive the limit
	d := &driver{c: newClient(o.url, key), conc: o.conc}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Println(d.exec(ctx, strings.Fields(in.Text())))
	}
	d.closeStreams()
	return 0
}

// exec runs one command and formats its answer.
func (d *driver) exec(ctx context.Context, args []string) string {
	start := time.Now()
	err := d.dispatch(ctx, args)
	d.c.http.CloseIdleConnections() // only the streams stay connected
	if err != nil {
		return "err " + strings.ReplaceAll(err.Error(), "\n", " ")
	}
	d.mu.Lock()
	open := len(d.streams)
	d.mu.Unlock()
	return fmt.Sprintf("ok %.1fs, %d open", time.Since(start).Seconds(), open)
}

// dispatch maps a command to its method.
func (d *driver) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("empty command")
	}
	n := 0
	if len(args) > 1 {
		n, _ = strconv.Atoi(args[1])
	}
	switch args[0] {
	case "setup":
		return d.setup(ctx, n)
	case "post":
		return d.post(ctx, d.sessions)
	case "close":
		d.closeStreams()
		return nil
	case "view":
		return d.view(ctx, d.sessions)
	case "stop":
		return d.stop(ctx, d.sessions)
	case "shared":
		return d.shared(ctx, n)
	case "stopshared":
		return d.stop(ctx, []session{d.extra})
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// setup creates n sessions plus the extra one.
func (d *driver) setup(ctx context.Context, n int) error {
	all := make([]session, n+1)
	err := loadkit.ForEach(ctx, n+1, d.conc, func(ctx context.Context, i int) (err error) {
		all[i], err = d.c.newSession(ctx)
		return err
	})
	d.sessions, d.extra = all[:n], all[n]
	return err
}

// post starts a run on each session and holds its POST response open.
func (d *driver) post(ctx context.Context, ss []session) error {
	return loadkit.ForEach(ctx, len(ss), d.conc, func(_ context.Context, i int) error {
		resp, err := d.c.startRun(ctx, ss[i]) // ctx: the stream outlives this command
		if err != nil {
			return err
		}
		return d.hold(resp)
	})
}

// view opens one viewer per session.
func (d *driver) view(ctx context.Context, ss []session) error {
	return loadkit.ForEach(ctx, len(ss), d.conc, func(_ context.Context, i int) error {
		resp, err := d.c.openStream(ctx, ss[i])
		if err != nil {
			return err
		}
		return d.hold(resp)
	})
}

// shared starts one run and opens n viewers of it.
func (d *driver) shared(ctx context.Context, n int) error {
	if err := d.post(ctx, []session{d.extra}); err != nil {
		return err
	}
	viewers := make([]session, n)
	for i := range viewers {
		viewers[i] = d.extra
	}
	return d.view(ctx, viewers)
}

// stop stops the runs of ss; each stop answers once its run is saved.
func (d *driver) stop(ctx context.Context, ss []session) error {
	return loadkit.ForEach(ctx, len(ss), d.conc, func(ctx context.Context, i int) error {
		return d.c.stopRun(ctx, ss[i])
	})
}

// hold reads a stream up to the run's idle point (its start-step chunk;
// the slow model sends nothing after it), then keeps it open, draining
// keep-alive comments in the background.
func (d *driver) hold(resp *http.Response) error {
	t := time.AfterFunc(streamReady, func() { resp.Body.Close() })
	r := loadkit.NewSSE(resp.Body)
	err := r.Until("start-step")
	if !t.Stop() || err != nil {
		resp.Body.Close()
		return fmt.Errorf("stream did not reach start-step: %v", err)
	}
	d.mu.Lock()
	d.streams = append(d.streams, resp.Body)
	d.mu.Unlock()
	d.drains.Go(func() { io.Copy(io.Discard, r.Rest()) }) //nolint:errcheck // ends on close
	return nil
}

// closeStreams closes every held stream and waits for the drains to end.
func (d *driver) closeStreams() {
	d.mu.Lock()
	streams := d.streams
	d.streams = nil
	d.mu.Unlock()
	for _, s := range streams {
		s.Close()
	}
	d.drains.Wait()
}

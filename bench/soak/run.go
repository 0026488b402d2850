package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/kira-art/kira/bench/internal/loadkit"
)

// run sets the users up, runs the load for -duration and returns the
// report; progress goes to logw.
func run(ctx context.Context, o options, logw io.Writer) (*report, error) {
	s := &soak{o: o, http: newHTTPClient(), rec: newRecorder(), posts: &postPool{}, stop: time.Now().Add(time.Hour)}
	s.log = func(format string, args ...any) {
		if !o.quiet {
			fmt.Fprintf(logw, "soak: "+format+"\n", args...)
		}
	}
	defer s.http.CloseIdleConnections()
	var err error
	if s.users, err = mintUsers(o.dataDir, o.users, o.duration+2*time.Hour); err != nil {
		return nil, err
	}
	rep := &report{o: o, began: time.Now().UTC(), load0: loadkit.LoadAvg()}
	rep.samples = append(rep.samples, sample{label: "start (idle, before set-up)", procs: s.probe(ctx)})
	own := s.deal()
	if err := s.setUp(ctx, own); err != nil {
		return nil, err
	}
	idle := s.idleClients(ctx, o.ws)
	start := time.Now()
	s.stop = start.Add(o.duration)
	s.log("load for %s on %d instance(s), %d users", o.duration, len(o.urls), len(s.users))
	var wg sync.WaitGroup
	s.launch(ctx, &wg, own)
	rep.samples = append(rep.samples, s.sampleUntilStop(ctx, start)...)
	wg.Wait() // operations in flight at the stop end normally
	rep.elapsed = min(time.Since(start), o.duration)
	for _, c := range idle {
		if c != nil {
			c.close()
		}
	}
	s.http.CloseIdleConnections()
	s.log("load over; waiting for the servers to settle")
	settled := s.settle(ctx)
	rep.samples = append(rep.samples, sample{label: "idle end (settled)", at: time.Since(start).Round(time.Second), procs: settled})
	rep.routes, rep.load1 = s.rec.summaries(), loadkit.LoadAvg()
	return rep, ctx.Err()
}

// workers are the users of the workers that have their own: chat, task
// and upload clients.
type workers struct{ chat, tasks, upload [][]*user }

// deal gives each chat, task and upload worker its own users, dealt round
// the table (the rate limits of the expensive routes are per user).
func (s *soak) deal() workers {
	var w workers
	counts := []int{s.o.chat, s.o.tasks, s.o.upload}
	lists := []*[][]*user{&w.chat, &w.tasks, &w.upload}
	var all []*[]*user
	for k, n := range counts {
		*lists[k] = make([][]*user, n)
		for i := range n {
			all = append(all, &(*lists[k])[i])
		}
	}
	for i := range s.users {
		if len(all) == 0 {
			break
		}
		l := all[i%len(all)]
		*l = append(*l, &s.users[i])
	}
	return w
}

// setUp makes the profiles and, with -kira, grants credits and plans.
func (s *soak) setUp(ctx context.Context, w workers) error {
	s.log("signing up %d users", len(s.users))
	if err := s.signUp(ctx); err != nil {
		return fmt.Errorf("sign-up: %w", err)
	}
	var agentUsers, taskUsers []*user
	for _, l := range w.chat {
		agentUsers = append(agentUsers, l...)
	}
	for _, l := range w.tasks {
		agentUsers, taskUsers = append(agentUsers, l...), append(taskUsers, l...)
	}
	if s.o.kira != "" {
		s.log("granting credits to %d users, plan pro to %d (kira credits, kira plan)", len(agentUsers), len(taskUsers))
	}
	return s.grant(ctx, agentUsers, taskUsers)
}

// launch starts every worker.
func (s *soak) launch(ctx context.Context, wg *sync.WaitGroup, w workers) {
	for _, k := range []struct {
		n  int
		fn func(context.Context)
	}{{s.o.feed, s.feedReader}, {s.o.likes, s.liker}, {s.o.profile, s.profileReader}} {
		for range k.n {
			wg.Go(func() { k.fn(ctx) })
		}
	}
	for _, us := range w.chat {
		wg.Go(func() { s.chatClient(ctx, us) })
	}
	for _, us := range w.tasks {
		wg.Go(func() { s.taskClient(ctx, us, s.o.kira != "") })
	}
	for _, us := range w.upload {
		wg.Go(func() { s.uploader(ctx, us) })
	}
}

// sampleUntilStop probes the instances every -sample, once right after
// the warm-up and once at the stop (the end of the load).
func (s *soak) sampleUntilStop(ctx context.Context, start time.Time) []sample {
	var out []sample
	warm := start.Add(s.o.warmup)
	tick := time.NewTicker(s.o.sample)
	defer tick.Stop()
	add := func(label string) {
		out = append(out, sample{label: label, at: time.Since(start).Round(time.Second), procs: s.probe(ctx)})
	}
	warmed := false
	for ctx.Err() == nil {
		next := s.stop
		if !warmed {
			next = warm
		}
		select {
		case <-tick.C:
			if warmed || time.Until(warm) > time.Second { // not a twin of the warm-up sample
				add("")
			}
			continue
		case <-time.After(time.Until(next)):
		case <-ctx.Done():
		}
		if warmed || ctx.Err() != nil {
			break
		}
		warmed = true
		add("after warm-up")
		tick.Reset(s.o.sample) // the series goes on from here
		s.log("warm-up over")
	}
	add("end of load")
	return out
}

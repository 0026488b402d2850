// Command soak runs mixed traffic against one or more running kira
// servers for a set time and reports what it saw: per route the requests,
// 429s, errors by status, p50/p99 and req/s, and per instance the
// goroutines, RSS and heap in use (from its /metrics) at start, after the
// warm-up, at the end of the load and once idle again.
//
// Traffic, each kind from its own workers (-feed, -likes, … set how many):
//
//   - feed: GET /feed/ and then up to 10 pages following nextCursor
//     (keyset), anonymous or signed in;
//   - likes: PUT then DELETE /like/{id} on posts the feed readers saw;
//   - profile: GET /user/profile;
//   - chat: POST /agent/streaming read to [DONE]; every -drop-th run the
//     client disconnects after the first chunks and resumes on the next
//     instance with GET /agent/stream/{threadId} (every other resume with
//     Last-Event-ID), which must replay to the end (or answer 204);
//   - upload: POST /upload of a small, new PNG, then DELETE /image/{id};
//   - tasks: a chat run that makes a song (or, for a paid plan, a video),
//     then GET /music|video/task/{id} every second until the task ends; the
//     worker's websocket client must receive the task's completed push;
//   - ws: -ws websocket clients (Centrifuge protocol) that stay subscribed.
//
// Users are development tokens minted with the key in -data-dir (the
// servers' KIRA_DATA_DIR), as `kira token` does. With -kira, the users who
// run the agent get -credits addon credits and the task users plan pro
// (so they make videos) through `kira credits` and `kira plan`, run with
// this process's environment (DATABASE_URL must name the servers'
// database) and KIRA_DATA_DIR set to -data-dir. With
// -forwarded-for each user sends its own X-Forwarded-For address, so the
// per-IP limits count users as a proxy would show them (the servers must
// trust this client: RATE_LIMIT_TRUSTED_PROXIES=127.0.0.1).
//
// A client that gets 429 waits its Retry-After. The exit status is 1 when
// any error other than a 429 occurred.
//
//	go run ./bench/soak -url http://127.0.0.1:18090 -data-dir /tmp/soak-data -duration 10m
//
// docs/benchmarks.md ("Soak") has a recorded run and its set-up.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"
)

// options are the command-line flags.
type options struct {
	urls, metrics  []string
	pids           []int
	dataDir, kira  string
	duration       time.Duration
	warmup, sample time.Duration
	users, credits int
	feed, likes    int
	profile, chat  int
	upload, tasks  int
	ws, drop       int
	runsPerThread  int
	forwardedFor   bool
	requestTimeout time.Duration
	streamTimeout  time.Duration
	taskTimeout    time.Duration
	settle, poll   time.Duration
	chatPrompt     string
	quiet          bool
}

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := run(ctx, o, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
	rep.write(os.Stdout)
	if n := rep.errors(); n > 0 {
		fmt.Fprintf(os.Stderr, "soak: %d errors other than 429\n", n)
		os.Exit(1)
	}
}

// parseFlags reads args.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	urls := fs.String("url", "http://127.0.0.1:8080", "instance base URLs, comma-separated; traffic is spread over them")
	metrics := fs.String("metrics", "", "metrics URLs, comma-separated (default: each -url's /metrics; off: none)")
	pids := fs.String("pid", "", "server pids, comma-separated: RSS from /proc when -metrics is off")
	fs.StringVar(&o.dataDir, "data-dir", os.Getenv("KIRA_DATA_DIR"), "the servers' KIRA_DATA_DIR (its development key signs the tokens)")
	fs.StringVar(&o.kira, "kira", "", "kira binary for `kira credits` and `kira plan` (this environment must name the servers' database); empty: users keep their sign-up credits")
	fs.DurationVar(&o.duration, "duration", time.Minute, "how long the traffic runs")
	fs.DurationVar(&o.warmup, "warmup", 0, "after this the 'after warm-up' snapshot is taken (default: a fifth of -duration)")
	fs.DurationVar(&o.sample, "sample", 30*time.Second, "interval of the goroutine/RSS series")
	fs.IntVar(&o.users, "users", 40, "users (tokens); chat, task and upload workers get their own, the rest share all")
	fs.IntVar(&o.credits, "credits", 100000, "with -kira: addon credits for each user that runs the agent")
	fs.IntVar(&o.feed, "feed", 4, "feed readers")
	fs.IntVar(&o.likes, "likes", 2, "likers (like + unlike)")
	fs.IntVar(&o.profile, "profile", 1, "profile readers")
	fs.IntVar(&o.chat, "chat", 2, "chat clients (one run at a time each)")
	fs.IntVar(&o.upload, "upload", 1, "uploaders (upload + delete)")
	fs.IntVar(&o.tasks, "tasks", 1, "task clients (a song or video run, then polling)")
	fs.IntVar(&o.ws, "ws", 20, "idle websocket clients")
	fs.IntVar(&o.drop, "drop", 3, "every drop-th chat run disconnects and resumes (0: none)")
	fs.IntVar(&o.runsPerThread, "runs-per-thread", 10, "runs on a thread before the client starts a new one")
	fs.BoolVar(&o.forwardedFor, "forwarded-for", false, "send a distinct X-Forwarded-For per user (servers must trust 127.0.0.1)")
	fs.DurationVar(&o.requestTimeout, "timeout", time.Minute, "timeout of one plain request")
	fs.DurationVar(&o.streamTimeout, "stream-timeout", 3*time.Minute, "timeout of one chat stream")
	fs.DurationVar(&o.taskTimeout, "task-timeout", 5*time.Minute, "longest wait for a task to end")
	fs.DurationVar(&o.poll, "poll", time.Second, "task status polling interval")
	fs.DurationVar(&o.settle, "settle", time.Minute, "after the load: longest wait for the goroutines to settle")
	fs.StringVar(&o.chatPrompt, "prompt", "draw a red fox in the snow", "the chat runs' prompt (the local model draws one image)")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress lines on stderr")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.urls = splitList(*urls)
	if *metrics == "" {
		for _, u := range o.urls {
			o.metrics = append(o.metrics, u+"/metrics")
		}
	} else if *metrics != "off" {
		o.metrics = splitList(*metrics)
	}
	var err error
	if o.pids, err = parsePids(*pids); err != nil {
		return o, err
	}
	if o.warmup == 0 {
		o.warmup = o.duration / 5
	}
	return o, o.validate()
}

func (o options) validate() error {
	var errs []error
	if len(o.urls) == 0 {
		errs = append(errs, errors.New("-url: at least one instance"))
	}
	if o.dataDir == "" {
		errs = append(errs, errors.New("-data-dir is required (the servers' KIRA_DATA_DIR)"))
	}
	if own := o.chat + o.tasks + o.upload; o.users < max(1, own) {
		errs = append(errs, fmt.Errorf("-users %d: at least one per chat, task and upload worker (%d)", o.users, own))
	}
	for _, n := range []int{o.feed, o.likes, o.profile, o.chat, o.upload, o.tasks, o.ws, o.drop} {
		if n < 0 {
			errs = append(errs, errors.New("worker counts and -drop must not be negative"))
			break
		}
	}
	if o.duration <= 0 || o.warmup >= o.duration {
		errs = append(errs, errors.New("-duration must be positive and longer than -warmup"))
	}
	if o.runsPerThread < 1 {
		errs = append(errs, errors.New("-runs-per-thread must be positive"))
	}
	return errors.Join(errs...)
}

// splitList splits a comma-separated list, dropping empty items and
// trailing slashes.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimRight(strings.TrimSpace(p), "/"); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parsePids(s string) ([]int, error) {
	var out []int
	for _, p := range splitList(s) {
		var pid int
		if _, err := fmt.Sscan(p, &pid); err != nil || pid <= 0 {
			return nil, fmt.Errorf("-pid: %q is not a process id", p)
		}
		out = append(out, pid)
	}
	return out, nil
}

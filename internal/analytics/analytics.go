// Package analytics sends product events (thread_created, feed_published,
// video_completed, music_completed) to PostHog. Capture only enqueues: a
// background sender batches events to PostHog's /batch/ endpoint, so no
// request or job ever waits on PostHog, and a full queue drops events
// (counted) rather than slowing the caller down. Everything is off — a
// no-op — without POSTHOG_API_KEY.
package analytics

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
)

// Event names.
const (
	ThreadCreated  = "thread_created"
	FeedPublished  = "feed_published"
	VideoCompleted = "video_completed"
	MusicCompleted = "music_completed"
)

// Events records product events. Capture never blocks and never fails:
// it takes ownership of props (the caller must not change the map after).
type Events interface {
	Capture(distinctID, event string, props map[string]any)
}

// Nop is the Events of a server without PostHog.
type Nop struct{}

// Capture does nothing.
func (Nop) Capture(string, string, map[string]any) {}

// Or is e, or Nop when e is nil, so callers can hold an Events unchecked.
func Or(e Events) Events {
	if e == nil {
		return Nop{}
	}
	return e
}

// Config configures a Client. Zero values take the defaults.
type Config struct {
	APIKey     string // POSTHOG_API_KEY (required)
	Host       string // POSTHOG_HOST, e.g. https://us.i.posthog.com
	HTTPClient *http.Client
	Log        *slog.Logger
	// Queue is how many events may wait to be sent (default 10000); past
	// it Capture drops.
	Queue int
	// BatchSize caps the events of one request (default 100) and Interval
	// is how long an event may wait for its batch to fill (default 3s).
	BatchSize int
	Interval  time.Duration
	// Attempts is how many times a batch is sent before it is given up
	// (default 3), waiting Backoff (default 1s), then twice that, between.
	Attempts int
	Backoff  time.Duration
}

func (c *Config) defaults() {
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	setDefault(&c.Queue, 10000)
	setDefault(&c.BatchSize, 100)
	setDefault(&c.Interval, 3*time.Second)
	setDefault(&c.Attempts, 3)
	setDefault(&c.Backoff, time.Second)
}

func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// event is one queued capture, in PostHog's batch item shape.
type event struct {
	UUID       string         `json:"uuid"` // PostHog deduplicates on it, so a retried batch counts once
	Event      string         `json:"event"`
	DistinctID string         `json:"distinct_id"`
	Properties map[string]any `json:"properties"`
	Timestamp  time.Time      `json:"timestamp"`
}

// Client is the PostHog Events: a queue and one sender goroutine.
type Client struct {
	cfg     Config
	queue   chan event
	counter *prometheus.CounterVec

	stopping  chan struct{} // closed by Stop: drain, flush, exit
	done      chan struct{} // closed when the sender has exited
	ctx       context.Context
	cancel    context.CancelFunc // aborts sending when Stop's deadline passes
	startOnce sync.Once
	stopOnce  sync.Once
	started   bool
}

// New builds a Client; Start runs its sender.
func New(cfg Config) *Client {
	cfg.defaults()
	ctx, cancel := context.WithCancel(context.Background())
	return &Client{cfg: cfg, queue: make(chan event, cfg.Queue),
		counter: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kira_analytics_events_total",
			Help: "Product events by outcome: sent, dropped (queue full or stopped), failed (PostHog refused or unreachable).",
		}, []string{"result"}),
		stopping: make(chan struct{}), done: make(chan struct{}), ctx: ctx, cancel: cancel}
}

// Collector is the events counter, for the metrics registry.
func (c *Client) Collector() prometheus.Collector { return c.counter }

// Capture enqueues an event, or drops and counts it when the queue is full
// or the client has stopped.
func (c *Client) Capture(distinctID, name string, props map[string]any) {
	select {
	case <-c.stopping:
		c.counter.WithLabelValues("dropped").Inc()
		return
	default:
	}
	select {
	case c.queue <- event{UUID: uuid.NewString(), Event: name, DistinctID: distinctID, Properties: props, Timestamp: time.Now().UTC()}:
	default:
		c.counter.WithLabelValues("dropped").Inc()
	}
}

// Start runs the sender.
func (c *Client) Start() {
	c.startOnce.Do(func() {
		c.started = true
		go c.run()
	})
}

// Stop sends what is queued and stops the sender, within ctx's deadline;
// past it, what is left is dropped.
func (c *Client) Stop(ctx context.Context) error {
	c.stopOnce.Do(func() { close(c.stopping) })
	c.startOnce.Do(func() {}) // a Start racing Stop now does nothing
	if !c.started {
		return nil
	}
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		c.cancel()
		<-c.done
		return ctx.Err()
	}
}

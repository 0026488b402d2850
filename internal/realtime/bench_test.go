package realtime_test

import (
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/centrifugal/centrifuge-go"

	"github.com/kira-art/kira/internal/realtime"
	"github.com/kira-art/kira/internal/redistest"
)

// benchConns is how many idle subscribers are connected (override with
// KIRA_REALTIME_BENCH_CONNS).
func benchConns(b *testing.B) int {
	if v := os.Getenv("KIRA_REALTIME_BENCH_CONNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("KIRA_REALTIME_BENCH_CONNS=%q", v)
		}
		return n
	}
	return 1000
}

// BenchmarkPublishToReceive measures, with N clients connected and each
// subscribed to its own channel, the time from the server's Publish call
// to one client's receipt (one publish at a time, to each client in turn),
// and the receiving node's memory per connection. "node" is one embedded
// node; "redis" publishes on one node and receives on another through Redis.
func BenchmarkPublishToReceive(b *testing.B) {
	b.Run("node", func(b *testing.B) {
		srv := startBenchServer(b, "", "")
		runPublishBench(b, srv, srv)
	})
	b.Run("redis", func(b *testing.B) {
		if redistest.URL() == "" {
			b.Skipf("%s not set", redistest.EnvURL)
		}
		prefix := "kira-bench:realtime:" + newID()
		runPublishBench(b, startBenchServer(b, redistest.URL(), prefix), startBenchServer(b, redistest.URL(), prefix))
	})
}

func runPublishBench(b *testing.B, pub, recv *benchServer) {
	n := benchConns(b)
	before := recv.mem(b)
	subs := connectMany(b, recv.wsURL(), n)
	after := recv.mem(b)

	var lat []time.Duration
	i := 0
	for b.Loop() {
		s := subs[i%n]
		i++
		pub.publish(b, s.channel)
		var m struct{ T int64 }
		if err := json.Unmarshal(s.next(b), &m); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Duration(time.Now().UnixNano()-m.T))
	}
	// Reported after the loop: b.Loop's start deletes earlier metrics.
	perConn := float64(int64(after.HeapInuse+after.StackInuse)-int64(before.HeapInuse+before.StackInuse)) / float64(n)
	b.ReportMetric(perConn, "B/conn")
	b.ReportMetric(float64(after.Goroutines-before.Goroutines)/float64(n), "goroutines/conn")
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// benchSub is one connected client's subscription to its own channel.
type benchSub struct {
	*sub
	channel string
}

// connectMany connects n clients, each subscribed to its own channel,
// with at most 32 handshakes in flight so none times out on a small
// machine. Everything runs on the benchmark's goroutine (b.Fatal rule).
func connectMany(b *testing.B, url string, n int) []benchSub {
	const inFlight = 32
	subs := make([]benchSub, n)
	for i := range subs {
		if i >= inFlight {
			subs[i-inFlight].wait(b)
		}
		user := newID()
		ch := realtime.UserChannel(user, newID())
		c := dial(b, url, centrifuge.Config{Token: mint(b, user, time.Hour)})
		s := c.subscribe(b, ch) // sent once connected
		if err := c.Connect(); err != nil {
			b.Fatal(err)
		}
		subs[i] = benchSub{sub: s, channel: ch}
	}
	for i := max(0, n-inFlight); i < n; i++ {
		subs[i].wait(b)
	}
	return subs
}

// wait waits until the subscription is live.
func (s benchSub) wait(b *testing.B) {
	select {
	case <-s.subscribed:
	case e := <-s.unsubscribed:
		b.Fatalf("subscribe %q refused: %d %s", s.channel, e.Code, e.Reason)
	case <-time.After(waitFor):
		b.Fatalf("subscribe %q: no answer in time", s.channel)
	}
}

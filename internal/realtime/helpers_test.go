package realtime_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/centrifugal/centrifuge-go"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/realtime"
)

// waitFor bounds every wait on a client event.
const waitFor = 10 * time.Second

var testSecret = []byte("test-secret-test-secret-test-secret!")

// hsVerify is a real HS256 verifier, as the app's is for HS256 tokens:
// signature, exp required, sub. Expired tokens fail with an error wrapping
// jwt.ErrTokenExpired.
func hsVerify(secret []byte) realtime.VerifyFunc {
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired())
	return func(_ context.Context, token string) (string, time.Time, error) {
		var c jwt.RegisteredClaims
		if _, err := parser.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return secret, nil }); err != nil {
			return "", time.Time{}, err
		}
		return c.Subject, c.ExpiresAt.Time, nil
	}
}

// mint signs a token for userID valid for ttl with the test secret.
func mint(t testing.TB, userID string, ttl time.Duration) string {
	t.Helper()
	tok, _, err := realtime.TokenMinter{Secret: testSecret, TTL: ttl}.Mint(userID)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// signed signs arbitrary claims, for tokens TokenMinter refuses to make.
func signed(t testing.TB, secret []byte, claims jwt.Claims) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// startNode runs a node behind an httptest server and returns the
// websocket URL; both stop when the test ends.
func startNode(t testing.TB, cfg realtime.NodeConfig) (*realtime.Node, string) {
	t.Helper()
	if cfg.Verify == nil {
		cfg.Verify = hsVerify(testSecret)
	}
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	n, err := realtime.NewNode(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(n.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		if err := n.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
		srv.Close()
	})
	return n, "ws" + strings.TrimPrefix(srv.URL, "http") + "/connection/websocket"
}

// testLogger logs to the test's output at debug level; lines that come
// after the test ended (connections closing in the background) are dropped,
// as the testing package panics on them.
func testLogger(t testing.TB) *slog.Logger {
	w := &testWriter{w: t.Output()}
	t.Cleanup(w.close) // registered first, so it runs after the node stopped
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return len(p), nil
	}
	return w.w.Write(p)
}

func (w *testWriter) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
}

// client is a centrifuge-go JSON client with its events on channels.
type client struct {
	*centrifuge.Client
	connected    chan struct{}
	connecting   chan centrifuge.ConnectingEvent
	disconnected chan centrifuge.DisconnectedEvent
	errs         chan error
}

// dial creates a client (not yet connected), closed when the test ends.
func dial(t testing.TB, url string, cfg centrifuge.Config) *client {
	t.Helper()
	c := &client{
		Client:       centrifuge.NewJsonClient(url, cfg),
		connected:    make(chan struct{}, 8),
		connecting:   make(chan centrifuge.ConnectingEvent, 64),
		disconnected: make(chan centrifuge.DisconnectedEvent, 8),
		errs:         make(chan error, 64),
	}
	c.OnConnected(func(centrifuge.ConnectedEvent) { offer(c.connected, struct{}{}) })
	c.OnConnecting(func(e centrifuge.ConnectingEvent) {
		if e.Code != 0 { // 0: Connect was called; the rest are drops
			offer(c.connecting, e)
		}
	})
	c.OnDisconnected(func(e centrifuge.DisconnectedEvent) { offer(c.disconnected, e) })
	c.OnError(func(e centrifuge.ErrorEvent) { offer(c.errs, e.Error) })
	t.Cleanup(c.Close)
	return c
}

// connect dials with token and waits until the server accepted it.
func connect(t testing.TB, url, token string) *client {
	t.Helper()
	c := dial(t, url, centrifuge.Config{Token: token})
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.connected:
	case e := <-c.disconnected:
		t.Fatalf("disconnected: %d %s", e.Code, e.Reason)
	case <-time.After(waitFor):
		t.Fatal("not connected in time")
	}
	return c
}

// offer sends without blocking the client's event loop; a full buffer
// drops the event (tests only read the first few).
func offer[T any](ch chan T, v T) {
	select {
	case ch <- v:
	default:
	}
}

// sub is one subscription's events.
type sub struct {
	*centrifuge.Subscription
	subscribed   chan struct{}
	unsubscribed chan centrifuge.UnsubscribedEvent
	pubs         chan []byte
}

// subscribe starts a subscription to channel (without waiting).
func (c *client) subscribe(t testing.TB, channel string) *sub {
	t.Helper()
	s, err := c.NewSubscription(channel)
	if err != nil {
		t.Fatal(err)
	}
	out := &sub{Subscription: s, subscribed: make(chan struct{}, 8),
		unsubscribed: make(chan centrifuge.UnsubscribedEvent, 8), pubs: make(chan []byte, 64)}
	s.OnSubscribed(func(centrifuge.SubscribedEvent) { offer(out.subscribed, struct{}{}) })
	s.OnUnsubscribed(func(e centrifuge.UnsubscribedEvent) { offer(out.unsubscribed, e) })
	s.OnPublication(func(e centrifuge.PublicationEvent) { offer(out.pubs, e.Data) })
	if err := s.Subscribe(); err != nil {
		t.Fatal(err)
	}
	return out
}

// subscribed subscribes and waits for the server's acceptance.
func (c *client) subscribed(t testing.TB, channel string) *sub {
	t.Helper()
	s := c.subscribe(t, channel)
	select {
	case <-s.subscribed:
	case e := <-s.unsubscribed:
		t.Fatalf("subscribe %q refused: %d %s", channel, e.Code, e.Reason)
	case <-time.After(waitFor):
		t.Fatalf("subscribe %q: no answer in time", channel)
	}
	return s
}

// next waits for the next publication.
func (s *sub) next(t testing.TB) []byte {
	t.Helper()
	select {
	case d := <-s.pubs:
		return d
	case e := <-s.unsubscribed:
		t.Fatalf("unsubscribed while waiting: %d %s", e.Code, e.Reason)
	case <-time.After(waitFor):
		t.Fatal("no publication in time")
	}
	return nil
}

// serverCode is the code of a server error carried by err, or 0.
func serverCode(err error) uint32 {
	var se *centrifuge.Error
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

func newID() string { return uuid.NewString() }

package realtime_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/centrifugal/centrifuge-go"
	"github.com/golang-jwt/jwt/v5"

	"github.com/kira-art/kira/internal/realtime"
)

func TestNodeDeliversToTheUsersChannel(t *testing.T) {
	t.Parallel()
	n, url := startNode(t, realtime.NodeConfig{})
	user, other, thread := newID(), newID(), newID()
	s := connect(t, url, mint(t, user, time.Hour)).subscribed(t, realtime.UserChannel(user, thread))
	o := connect(t, url, mint(t, other, time.Hour)).subscribed(t, realtime.UserChannel(other, thread))

	msg := `{"type":"video_status","taskId":"t1","status":"processing"}`
	if err := n.Publish(context.Background(), realtime.UserChannel(user, thread), []byte(msg)); err != nil {
		t.Fatal(err)
	}
	if got := string(s.next(t)); got != msg {
		t.Fatalf("got %s, want %s", got, msg)
	}
	// The other user's channel only gets its own message.
	own := `{"type":"thread_title","threadId":"x","title":"Fox"}`
	if err := n.Publish(context.Background(), realtime.UserChannel(other, thread), []byte(own)); err != nil {
		t.Fatal(err)
	}
	if got := string(o.next(t)); got != own {
		t.Fatalf("other user got %s, want only %s", got, own)
	}
}

func TestNodeRefusesBadTokens(t *testing.T) {
	t.Parallel()
	_, url := startNode(t, realtime.NodeConfig{})
	user := newID()
	past := time.Now().Add(-time.Minute)
	cases := []struct {
		name  string
		token string
	}{
		{"forged", signed(t, []byte("another-secret-another-secret-another"), jwt.RegisteredClaims{
			Subject: user, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))})},
		{"alg none", "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + strings.Split(mint(t, user, time.Hour), ".")[1] + "."},
		{"no sub", signed(t, testSecret, jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))})},
		{"no exp", signed(t, testSecret, jwt.RegisteredClaims{Subject: user})},
		{"garbage", "not-a-jwt"},
		{"empty", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := dial(t, url, centrifuge.Config{Token: tc.token})
			if err := c.Connect(); err != nil {
				t.Fatal(err)
			}
			waitDisconnected(t, c, 3500) // invalid token: the client must not retry
		})
	}
	t.Run("expired", func(t *testing.T) {
		t.Parallel()
		expired := signed(t, testSecret, jwt.RegisteredClaims{Subject: user, ExpiresAt: jwt.NewNumericDate(past)})
		asked := make(chan struct{}, 1)
		c := dial(t, url, centrifuge.Config{Token: expired, GetToken: func(centrifuge.ConnectionTokenEvent) (string, error) {
			offer(asked, struct{}{})
			return "", centrifuge.ErrUnauthorized // the app says: signed out
		}})
		if err := c.Connect(); err != nil {
			t.Fatal(err)
		}
		waitError(t, c, 109) // token expired: the client asks for a new one
		select {
		case <-asked:
		case <-time.After(waitFor):
			t.Fatal("client never asked for a new token")
		}
		waitDisconnected(t, c, 0)
	})
}

func TestNodeRefusesForeignAndMalformedChannels(t *testing.T) {
	t.Parallel()
	_, url := startNode(t, realtime.NodeConfig{})
	user, other, thread := newID(), newID(), newID()
	c := connect(t, url, mint(t, user, time.Hour))
	for _, ch := range []string{
		realtime.UserChannel(other, thread),               // another user's channel
		other + "/" + thread + "#" + user,                 // another user's prefix
		user + "/" + thread + "#" + other,                 // another user's boundary
		user + "/" + strings.ToUpper(thread) + "#" + user, // not canonical
		user + "/not-a-uuid#" + user,
		user + "/" + thread,       // no user boundary
		user + "/" + thread + "#", // empty boundary
		thread + "#" + user,       // no thread
		"news",
		"$" + realtime.UserChannel(user, thread),
	} {
		s := c.subscribe(t, ch)
		select {
		case e := <-s.unsubscribed:
			if e.Code != 103 {
				t.Errorf("%q: refused with %d %s, want 103 permission denied", ch, e.Code, e.Reason)
			}
		case <-s.subscribed:
			t.Errorf("%q: subscription accepted", ch)
		case <-time.After(waitFor):
			t.Fatalf("%q: no answer in time", ch)
		}
	}
	// Refusals leave the connection usable.
	own := c.subscribed(t, realtime.UserChannel(user, thread))
	// Only the server publishes: a client cannot forge a task status.
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if _, err := own.Publish(ctx, []byte(`{"type":"video_status","status":"completed"}`)); serverCode(err) != 108 {
		t.Errorf("client publish: err %v, want 108 not available", err)
	}
	if _, err := c.RPC(ctx, "anything", []byte(`{}`)); serverCode(err) != 108 {
		t.Errorf("client RPC: err %v, want 108 not available", err)
	}
}

func TestNodeTokenRefresh(t *testing.T) {
	t.Parallel()
	const grace = 300 * time.Millisecond
	n, url := startNode(t, realtime.NodeConfig{ExpiredCloseDelay: grace})
	user, thread := newID(), newID()
	first := mint(t, user, 2*time.Second)
	expiry := time.Now().Add(2 * time.Second)
	refreshed := make(chan struct{}, 8)
	c := dial(t, url, centrifuge.Config{Token: first, GetToken: func(centrifuge.ConnectionTokenEvent) (string, error) {
		offer(refreshed, struct{}{})
		return mint(t, user, time.Hour), nil
	}})
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	s := c.subscribed(t, realtime.UserChannel(user, thread))
	select {
	case <-refreshed:
	case <-time.After(waitFor):
		t.Fatal("client never refreshed its token")
	}
	// The first token's expiry plus the grace passes: the connection, now on
	// the new token, keeps delivering. A dropped one would show up as a
	// disconnect or a reconnect attempt.
	for i := 0; time.Now().Before(expiry.Add(2 * grace)); i++ {
		if err := n.Publish(context.Background(), realtime.UserChannel(user, thread), []byte(`{"i":1}`)); err != nil {
			t.Fatal(err)
		}
		s.next(t)
		select {
		case e := <-c.connecting:
			t.Fatalf("connection dropped after refresh: %d %s", e.Code, e.Reason)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func TestNodeClosesUnrefreshedConnections(t *testing.T) {
	t.Parallel()
	_, url := startNode(t, realtime.NodeConfig{ExpiredCloseDelay: 100 * time.Millisecond})
	user := newID()
	c := dial(t, url, centrifuge.Config{Token: mint(t, user, time.Second), GetToken: func(centrifuge.ConnectionTokenEvent) (string, error) {
		return "", errors.New("token service down") // the client keeps its old token
	}})
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(waitFor)
	for {
		select {
		case e := <-c.connecting:
			if e.Code == 3005 { // DisconnectExpired: the server ended it at exp
				return
			}
		case <-deadline:
			t.Fatal("connection outlived its token")
		}
	}
}

func TestNodeRefusesRefreshForAnotherUser(t *testing.T) {
	t.Parallel()
	_, url := startNode(t, realtime.NodeConfig{})
	user, other := newID(), newID()
	// 3 s, not 1: on a loaded machine a 1 s token could expire before the
	// first connect, and the client would then connect with the other
	// user's token from GetToken, never refreshing.
	c := dial(t, url, centrifuge.Config{Token: mint(t, user, 3*time.Second), GetToken: func(centrifuge.ConnectionTokenEvent) (string, error) {
		return mint(t, other, time.Hour), nil
	}})
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.connected:
	case <-time.After(waitFor):
		t.Fatal("not connected in time")
	}
	waitDisconnected(t, c, 3500)
}

func TestNodeOriginPolicy(t *testing.T) {
	t.Parallel()
	_, url := startNode(t, realtime.NodeConfig{AllowedOrigins: []string{"https://app.example"}})
	httpURL := "http" + strings.TrimPrefix(url, "ws")
	for origin, want := range map[string]int{
		"https://app.example":  http.StatusSwitchingProtocols,
		"https://evil.example": http.StatusForbidden,
		"":                     http.StatusSwitchingProtocols, // not a browser
	} {
		if got := upgradeStatus(t, httpURL, origin); got != want {
			t.Errorf("Origin %q: status %d, want %d", origin, got, want)
		}
	}
	if _, err := realtime.NewNode(realtime.NodeConfig{Verify: hsVerify(testSecret), AllowedOrigins: []string{"app.example"}}); err == nil {
		t.Error("origin without scheme accepted")
	}
}

// upgradeStatus sends a websocket handshake and returns the status.
func upgradeStatus(t *testing.T, url, origin string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close() //nolint:errcheck
	return resp.StatusCode
}

func TestNodePublishChecksItsInput(t *testing.T) {
	t.Parallel()
	n, _ := startNode(t, realtime.NodeConfig{})
	ch := realtime.UserChannel(newID(), newID())
	for _, data := range []string{``, `[]`, `"x"`, `{"a":`, `{} {}`} {
		if err := n.Publish(context.Background(), ch, []byte(data)); !errors.Is(err, realtime.ErrBadData) {
			t.Errorf("data %q: err %v, want ErrBadData", data, err)
		}
	}
	if err := n.Publish(context.Background(), "", []byte(`{}`)); err == nil {
		t.Error("empty channel accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := n.Publish(ctx, ch, []byte(`{}`)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: err %v", err)
	}
	if err := n.Publish(context.Background(), ch, []byte(` {"nobody":"listens"} `)); err != nil {
		t.Errorf("publish without subscribers: %v", err)
	}
}

func TestNewNodeNeedsVerify(t *testing.T) {
	t.Parallel()
	if _, err := realtime.NewNode(realtime.NodeConfig{}); err == nil {
		t.Fatal("node without Verify accepted")
	}
}

func TestNodePublishOnlyWhileRunning(t *testing.T) {
	t.Parallel()
	n, err := realtime.NewNode(realtime.NodeConfig{Verify: hsVerify(testSecret), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ch := realtime.UserChannel(newID(), newID())
	if err := n.Publish(context.Background(), ch, []byte(`{}`)); !errors.Is(err, realtime.ErrNotRunning) {
		t.Fatalf("before Start: err %v", err)
	}
	if err := n.Start(); err != nil {
		t.Fatal(err)
	}
	if err := n.Publish(context.Background(), ch, []byte(`{}`)); err != nil {
		t.Fatalf("running: %v", err)
	}
	if err := n.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := n.Publish(context.Background(), ch, []byte(`{}`)); !errors.Is(err, realtime.ErrNotRunning) {
		t.Fatalf("after Stop: err %v", err)
	}
}

func TestNodeStopDisconnectsClients(t *testing.T) {
	t.Parallel()
	n, url := startNode(t, realtime.NodeConfig{})
	c := connect(t, url, mint(t, newID(), time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := n.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-c.connecting:
		if e.Code != 3001 { // DisconnectShutdown: reconnect to another instance
			t.Errorf("code %d %s, want 3001 shutdown", e.Code, e.Reason)
		}
	case <-time.After(waitFor):
		t.Fatal("client not told of the shutdown")
	}
	if err := n.Stop(ctx); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

// waitDisconnected waits for the client to give up; code 0 accepts any.
func waitDisconnected(t *testing.T, c *client, code uint32) {
	t.Helper()
	select {
	case e := <-c.disconnected:
		if code != 0 && e.Code != code {
			t.Fatalf("disconnected with %d %s, want %d", e.Code, e.Reason, code)
		}
	case <-c.connected:
		t.Fatal("connected")
	case <-time.After(waitFor):
		t.Fatal("not disconnected in time")
	}
}

// waitError waits for a connect error with the given server code.
func waitError(t *testing.T, c *client, code uint32) {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		select {
		case err := <-c.errs:
			if serverCode(err) == code {
				return
			}
		case <-c.connected:
			t.Fatal("connected")
		case <-deadline:
			t.Fatalf("no error %d in time", code)
		}
	}
}

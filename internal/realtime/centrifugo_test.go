package realtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/realtime"
)

const apiKey = "test-api-key"

// fakeCentrifugo answers the server HTTP API's publish method as
// Centrifugo v5/v6 does: 401 without the right X-API-Key, 400 for a body
// that is not a publish request, and a 200 with an error object for a
// channel it does not know (namespace "unknown:").
type fakeCentrifugo struct {
	mu   sync.Mutex
	got  []publishBody
	hold chan struct{} // when set, replies wait for it (or the client's cancel)
}

type publishBody struct {
	Channel string          `json:"channel"`
	Data    json.RawMessage `json:"data"`
}

func (f *fakeCentrifugo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path != "/api/publish":
		http.NotFound(w, r)
		return
	case r.Method != http.MethodPost:
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	case r.Header.Get("X-API-Key") != apiKey:
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var b publishBody
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil || b.Channel == "" || !bytes.HasPrefix(b.Data, []byte("{")) ||
		r.Header.Get("Content-Type") != "application/json" {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if f.hold != nil {
		select {
		case <-f.hold:
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if strings.HasPrefix(b.Channel, "unknown:") {
		w.Write([]byte(`{"error":{"code":102,"message":"unknown channel"}}`)) //nolint:errcheck
		return
	}
	f.mu.Lock()
	f.got = append(f.got, b)
	f.mu.Unlock()
	w.Write([]byte(`{"result":{}}`)) //nolint:errcheck
}

func startCentrifugo(t *testing.T, f *fakeCentrifugo) string {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv.URL
}

func newPublisher(t *testing.T, url, key string, client *http.Client) *realtime.CentrifugoPublisher {
	t.Helper()
	p, err := realtime.NewCentrifugoPublisher(url, key, client)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCentrifugoPublisherPublishes(t *testing.T) {
	t.Parallel()
	f := &fakeCentrifugo{}
	url := startCentrifugo(t, f)
	ch := realtime.UserChannel(userA, thread)
	msg := `{"type":"audio_status","taskId":"t","status":"completed"}`
	for _, base := range []string{url, url + "/", url + "/api", url + "/api/"} {
		if err := newPublisher(t, base, apiKey, nil).Publish(context.Background(), ch, []byte(msg)); err != nil {
			t.Fatalf("base %q: %v", base, err)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.got) != 4 || f.got[0].Channel != ch || string(f.got[0].Data) != msg {
		t.Fatalf("server got %+v", f.got)
	}
}

func TestCentrifugoPublisherErrors(t *testing.T) {
	t.Parallel()
	f := &fakeCentrifugo{}
	url := startCentrifugo(t, f)
	ch := realtime.UserChannel(userA, thread)
	cases := []struct {
		name, url, key, channel, want string
	}{
		{"bad key", url, "wrong", ch, "HTTP 401"},
		{"error reply", url, apiKey, "unknown:x", "error 102: unknown channel"},
		{"wrong path", url + "/v1", apiKey, ch, "HTTP 404"},
	}
	for _, tc := range cases {
		err := newPublisher(t, tc.url, tc.key, nil).Publish(context.Background(), tc.channel, []byte(`{}`))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.want)
		}
	}
	p := newPublisher(t, url, apiKey, nil)
	if err := p.Publish(context.Background(), ch, []byte(`[1]`)); !errors.Is(err, realtime.ErrBadData) {
		t.Errorf("array data: err %v", err)
	}
	if err := p.Publish(context.Background(), "", []byte(`{}`)); err == nil {
		t.Error("empty channel accepted")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.got) != 0 {
		t.Errorf("failed publishes reached the server: %+v", f.got)
	}
}

func TestCentrifugoPublisherGarbledReplies(t *testing.T) {
	t.Parallel()
	for name, reply := range map[string]func(http.ResponseWriter){
		"500":      func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) },
		"not json": func(w http.ResponseWriter) { w.Write([]byte("<html>proxy</html>")) }, //nolint:errcheck
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { reply(w) }))
		err := newPublisher(t, srv.URL, apiKey, nil).Publish(context.Background(), "c", []byte(`{}`))
		srv.Close()
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestCentrifugoPublisherIsBounded(t *testing.T) {
	t.Parallel()
	f := &fakeCentrifugo{hold: make(chan struct{})}
	url := startCentrifugo(t, f)
	defer close(f.hold)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := newPublisher(t, url, apiKey, nil).Publish(ctx, "c", []byte(`{}`))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("returned after %v", d)
	}
	// The client's own timeout bounds a call whose context has none.
	short := &http.Client{Timeout: 100 * time.Millisecond}
	if err := newPublisher(t, url, apiKey, short).Publish(context.Background(), "c", []byte(`{}`)); err == nil {
		t.Fatal("hung server: no error")
	}
}

func TestNewCentrifugoPublisherChecksConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range [][2]string{{"localhost:8000", apiKey}, {"", apiKey}, {"http://c:8000", ""}} {
		if _, err := realtime.NewCentrifugoPublisher(tc[0], tc[1], nil); err == nil {
			t.Errorf("%q, %q accepted", tc[0], tc[1])
		}
	}
}

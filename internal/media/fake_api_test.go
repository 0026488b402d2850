package media

import (
	"context"
	"encoding/json"
	"errors"
	"image"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kira-art/kira/internal/avenc"
)

// The HTTP providers are tested against fake APIs: an httptest server that
// answers the submit call, then a scripted sequence of poll answers (the
// last repeats), and serves result files under /files/ behind a signed
// query, as storage links are.

const (
	testKey    = "sk-secret-key"
	signedPart = "X-Signature=s3cr3t"
)

// pollAnswer is one scripted poll response.
type pollAnswer struct {
	status int    // HTTP status; 0 is 200
	body   string // JSON body
}

type fakeAPI struct {
	t       *testing.T
	srv     *httptest.Server
	submit  pollAnswer
	polls   []pollAnswer
	files   map[string]http.HandlerFunc // by path under /files/
	mu      sync.Mutex
	body    map[string]any // the last submit body
	nPolls  int
	deletes int
	authOK  bool // every API call carried the key
}

func newFakeAPI(t *testing.T, submitPath, pollPrefix string) *fakeAPI {
	f := &fakeAPI{t: t, files: map[string]http.HandlerFunc{}, authOK: true}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if name, ok := strings.CutPrefix(r.URL.Path, "/files/"); ok {
			if r.Header.Get("Authorization") != "" {
				t.Errorf("the API key was sent to the file server")
			}
			if r.URL.RawQuery != signedPart {
				http.Error(w, "unsigned", http.StatusForbidden)
				return
			}
			if h := f.files[name]; h != nil {
				h(w, r)
				return
			}
			http.NotFound(w, r)
			return
		}
		f.mu.Lock()
		f.authOK = f.authOK && r.Header.Get("Authorization") == "Bearer "+testKey
		var ans pollAnswer
		switch {
		case r.Method == http.MethodPost && r.URL.Path == submitPath:
			f.body = nil
			json.NewDecoder(r.Body).Decode(&f.body)
			ans = f.submit
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path+"?"+r.URL.RawQuery, pollPrefix):
			ans = f.polls[min(f.nPolls, len(f.polls)-1)]
			f.nPolls++
		case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, pollPrefix):
			f.deletes++
			ans = pollAnswer{body: `{}`}
		default:
			ans = pollAnswer{status: http.StatusNotFound, body: `{"error":{"message":"no route"}}`}
		}
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if ans.status != 0 {
			w.WriteHeader(ans.status)
		}
		io.WriteString(w, ans.body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// fileURL is the signed link of a file served under /files/.
func (f *fakeAPI) fileURL(name string) string { return f.srv.URL + "/files/" + name + "?" + signedPart }

// serve serves data under /files/name.
func (f *fakeAPI) serve(name string, data []byte) {
	f.files[name] = func(w http.ResponseWriter, _ *http.Request) { w.Write(data) }
}

func (f *fakeAPI) stats() (polls, deletes int, body map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.authOK {
		f.t.Errorf("an API call lacked the bearer key")
	}
	return f.nPolls, f.deletes, f.body
}

// testMP4 is a real w×h MP4 of n frames at 10 fps.
func testMP4(w, h, n int) []byte {
	var samples [][]byte
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range n {
		for j := range img.Pix {
			img.Pix[j] = uint8(i*9 + j)
		}
		samples = append(samples, avenc.RGBAFrame(img, w, h, i%2))
	}
	return avenc.MuxMP4(w, h, 10, avenc.SPS(w, h), avenc.PPS(), samples)
}

// testMP3 is n structurally valid MPEG-1 layer III frames (128 kbit/s,
// 44.1 kHz): n·1152/44100 seconds.
func testMP3(n int) []byte {
	var out []byte
	for i := range n {
		pad := byte(i % 2)
		frame := make([]byte, 417+int(pad))
		copy(frame, []byte{0xFF, 0xFB, 0x90 | pad<<1, 0x44})
		out = append(out, frame...)
	}
	return out
}

// checkFailure asserts err is a ProviderError of the given retryability
// that leaks neither the key nor a signed URL, and that dir is empty.
func checkFailure(t *testing.T, err error, retryable bool, dir string) *ProviderError {
	t.Helper()
	var pe *ProviderError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T), want a ProviderError", err, err)
	}
	if Retryable(err) != retryable {
		t.Fatalf("Retryable(%v) = %v, want %v", err, !retryable, retryable)
	}
	if msg := err.Error(); strings.Contains(msg, testKey) || strings.Contains(msg, signedPart) {
		t.Fatalf("error leaks a secret: %s", msg)
	}
	noFiles(t, dir)
	return pe
}

func noFiles(t *testing.T, dir string) {
	t.Helper()
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("%d temporary files left behind", len(left))
	}
}

// shortCtx bounds a test's generation.
func shortCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

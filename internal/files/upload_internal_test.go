package files

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/imaging"
)

func TestLimitedReader(t *testing.T) {
	t.Parallel()
	data := bytes.Repeat([]byte("x"), 1000)
	// Exactly at the limit is fine, whatever the read sizes.
	for _, src := range []io.Reader{bytes.NewReader(data), iotest.OneByteReader(bytes.NewReader(data))} {
		got, err := io.ReadAll(&limitedReader{r: src, left: 1000})
		if err != nil || len(got) != 1000 {
			t.Fatalf("at the limit: %d %v", len(got), err)
		}
	}
	lr := &limitedReader{r: bytes.NewReader(data), left: 999}
	got, err := io.ReadAll(lr)
	if !errors.Is(err, errKindLimit) || len(got) > 999 || !errors.Is(lr.err, errKindLimit) {
		t.Fatalf("over the limit: %d %v", len(got), err)
	}
	boom := errors.New("connection reset")
	lr = &limitedReader{r: io.MultiReader(bytes.NewReader(data[:10]), iotest.ErrReader(boom)), left: 1000}
	if _, err := io.ReadAll(lr); !errors.Is(err, boom) || !errors.Is(lr.err, boom) {
		t.Fatalf("source error: %v / %v", err, lr.err)
	}
}

// A streamed upload that passes its limit leaves nothing in storage: the
// local backend writes to a temporary file and only renames on success.
func TestStreamPastLimitStoresNothing(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	l, err := blob.NewLocal(root, blob.NewSigner("http://x", []byte("k")))
	if err != nil {
		t.Fatal(err)
	}
	body := &limitedReader{r: io.LimitReader(zeros{}, 5<<20), left: 1 << 20}
	if _, err := l.Put(context.Background(), "u/a/f/original.mp4", body, "video/mp4"); !errors.Is(err, errKindLimit) {
		t.Fatalf("put past the limit: %v", err)
	}
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("left behind: %s", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e, ok := apperr.As(upload{format: imaging.MP4}.bodyError(body.err))
	if !ok || e.Kind != apperr.TooLarge || !strings.Contains(e.Message, "200 MiB") {
		t.Fatalf("a video past its limit: %+v", e)
	}
}

// Uploaded images are spooled to a temporary file that is removed after.
func TestUploadLeavesNoTemporaryFile(t *testing.T) {
	t.Parallel()
	s := newService(t, nil, nil, Limits{})
	s.Limits.TempDir = t.TempDir()
	// No store: the upload fails after spooling (decoding refuses the
	// bytes), which is when the file must still be removed.
	if _, err := s.Upload(context.Background(), "u", bytes.NewReader([]byte("\x89PNG\r\n\x1a\nbroken"))); err == nil {
		t.Fatal("a broken PNG was accepted")
	}
	left, err := os.ReadDir(s.Limits.TempDir)
	if err != nil || len(left) != 0 {
		t.Fatalf("temporary files left: %v %v", left, err)
	}
}

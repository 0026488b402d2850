//go:build linux

package files

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/avenc"
	"github.com/kira-art/kira/internal/avenc/avenctest"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/store/storetest"
)

// clip is a real 64×48 H.264 MP4 of ten frames, made by the pure-Go
// encoder the local video provider uses.
func clip() []byte {
	const w, h = 64, 48
	var samples [][]byte
	for i := range 10 {
		samples = append(samples, avenc.RGBAFrame(gradient(w, h, uint8(i*20)), w, h, i%2))
	}
	return avenc.MuxMP4(w, h, 10, avenc.SPS(w, h), avenc.PPS(), samples)
}

// videoTask stores data as uid's video and a finished task of status
// whose result it is.
func videoTask(t *testing.T, s *Service, uid string, data []byte, status string) (store.MediaTask, store.File) {
	t.Helper()
	ctx := context.Background()
	id := "vid_" + uuid.NewString()
	key := blob.FileKey(uid, id, "original.mp4")
	if _, err := s.Blobs.Put(ctx, key, bytes.NewReader(data), "video/mp4"); err != nil {
		t.Fatal(err)
	}
	f, err := s.Store.CreateFile(ctx, store.File{ID: id, UserID: uid, Kind: store.MediaVideo, Origin: "gen",
		ContentType: "video/mp4", Size: int64(len(data)), StorageKey: key, Width: 64, Height: 48})
	if err != nil {
		t.Fatal(err)
	}
	task, err := s.Store.CreateJoblessTask(ctx, store.MediaTask{ID: uuid.NewString(), UserID: uid, Kind: store.MediaVideo,
		Status: status, Provider: store.TaskProviderUpload, ResultFileID: id, Width: 64, Height: 48})
	if err != nil {
		t.Fatal(err)
	}
	return task, f
}

// needFFmpeg skips when the service found no ffmpeg.
func needFFmpeg(t *testing.T, s *Service) {
	t.Helper()
	if s.Watermark.FFmpeg == "" {
		t.Skip("ffmpeg not on PATH: video watermark tests skipped")
	}
	avenctest.Tool(t, "ffprobe")
}

func TestDownloadVideoMarksWithFFmpegOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := downloadService(t, st)
		needFFmpeg(t, s)
		owner, other := newUser(t, st), newUser(t, st)
		task, f := videoTask(t, s, owner, clip(), store.TaskCompleted)

		d, err := s.DownloadVideo(ctx, owner, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		key := blob.FileKey(owner, f.ID, "watermark.mp4")
		wantURL(t, s, d, key, true)
		if row, _ := st.GetFile(ctx, f.ID); row.WatermarkKey != key {
			t.Fatalf("watermark_key %q, want %q", row.WatermarkKey, key)
		}
		out := filepath.Join(t.TempDir(), "marked.mp4")
		if err := os.WriteFile(out, readObject(t, s, key), 0o600); err != nil {
			t.Fatal(err)
		}
		if v := avenctest.Probe(t, out, "v"); v.Codec != "h264" || v.Width != 64 || v.Height != 48 {
			t.Errorf("watermarked video %+v, want h264 64x48", v)
		}
		avenctest.DecodeAll(t, out)

		// Cached: not made again, for the owner or a public post's viewer.
		if _, err := s.Blobs.Put(ctx, key, strings.NewReader("sentinel"), "video/mp4"); err != nil {
			t.Fatal(err)
		}
		if again, err := s.DownloadVideo(ctx, owner, task.ID); err != nil || again != d {
			t.Fatalf("second download %+v %v", again, err)
		}
		if _, err := s.DownloadVideo(ctx, other, task.ID); !errors.Is(err, ErrNoVideo) {
			t.Fatalf("another user's private video: %v, want ErrNoVideo", err)
		}
		publicKey := publishPost(t, s, owner, f, task.ID)
		if viewed, err := s.DownloadVideo(ctx, other, task.ID); err != nil || viewed != d {
			t.Fatalf("public post's video for a free viewer: %+v %v", viewed, err)
		}
		if string(readObject(t, s, key)) != "sentinel" {
			t.Error("the cached copy was made again")
		}
		setPlan(t, st, other, "pro", false)
		plain, err := s.DownloadVideo(ctx, other, task.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantURL(t, s, plain, publicKey, false)
	})
}

func TestDownloadVideoNotDownloadable(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		s := downloadService(t, st)
		uid := newUser(t, st)
		failed, _ := videoTask(t, s, uid, clip(), store.TaskFailed)
		for name, id := range map[string]string{"failed task": failed.ID, "unknown": uuid.NewString()} {
			if _, err := s.DownloadVideo(ctx, uid, id); !errors.Is(err, ErrNoVideo) {
				t.Errorf("%s: %v, want ErrNoVideo", name, err)
			}
		}
	})
}

// Without ffmpeg a marked video is unavailable (503), an unmarked one not.
func TestDownloadVideoWithoutFFmpeg(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	ctx := context.Background()
	s := downloadService(t, st)
	s.Watermark.FFmpeg = ""
	uid := newUser(t, st)
	task, f := videoTask(t, s, uid, clip(), store.TaskCompleted)
	if _, err := s.DownloadVideo(ctx, uid, task.ID); !errors.Is(err, ErrWatermarkUnavailable) {
		t.Fatalf("free user without ffmpeg: %v, want ErrWatermarkUnavailable", err)
	}
	setPlan(t, st, uid, "pro", false)
	d, err := s.DownloadVideo(ctx, uid, task.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantURL(t, s, d, f.StorageKey, false)
}

// Every ffmpeg slot taken: busy after the limiter's wait, nothing copied.
func TestDownloadVideoBusy(t *testing.T) {
	t.Parallel()
	st := storetest.OpenSQLite(t)
	s := downloadService(t, st)
	needFFmpeg(t, s)
	uid := newUser(t, st)
	task, _ := videoTask(t, s, uid, clip(), store.TaskCompleted)
	for range 2 {
		release, err := s.Watermark.Limiter.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer release()
	}
	if _, err := s.DownloadVideo(context.Background(), uid, task.ID); !errors.Is(err, ErrWatermarkBusy) {
		t.Fatalf("all slots taken: %v, want ErrWatermarkBusy", err)
	}
}

// A truncated MP4 is a clean 422: ffmpeg exited and was reaped, no
// temporary files or recorded key remain. Not parallel: it counts this
// process's ffmpeg children.
func TestDownloadVideoBroken(t *testing.T) {
	st := storetest.OpenSQLite(t)
	ctx := context.Background()
	s := downloadService(t, st)
	needFFmpeg(t, s)
	uid := newUser(t, st)
	data := clip()
	task, f := videoTask(t, s, uid, data[:len(data)/2], store.TaskCompleted)
	if _, err := s.DownloadVideo(ctx, uid, task.ID); !errors.Is(err, ErrInvalidMedia) {
		t.Fatalf("truncated video: %v, want ErrInvalidMedia", err)
	}
	if kids := ffmpegChildren(t); len(kids) != 0 {
		t.Errorf("ffmpeg processes left: %v", kids)
	}
	if left, _ := filepath.Glob(filepath.Join(s.Limits.TempDir, "watermark-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if row, _ := st.GetFile(ctx, f.ID); row.WatermarkKey != "" {
		t.Errorf("watermark_key %q after a failed run", row.WatermarkKey)
	}
}

// ffmpegChildren lists this process's ffmpeg children, zombies included.
func ffmpegChildren(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	var kids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so split after ')'.
		s := string(stat)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		fields := strings.Fields(s[end+1:])
		if len(fields) > 1 && s[open+1:end] == "ffmpeg" && fields[1] == strconv.Itoa(os.Getpid()) {
			kids = append(kids, pid)
		}
	}
	return kids
}

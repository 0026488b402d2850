package files

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/watermark"
)

// Download errors (API.md §3.7). Anything the caller may not download is
// a 404 like an unknown id, so ids cannot be probed.
var (
	ErrNoVideo = apperr.NotFoundf("Video not found")
	// ErrWatermarkUnavailable: a video needs a mark and no ffmpeg exists.
	ErrWatermarkUnavailable = apperr.New(apperr.Unavailable,
		"video watermarking is unavailable: ffmpeg is not installed").WithCode("watermark_unavailable")
	// ErrWatermarkBusy: every ffmpeg slot stayed taken for Watermarking.Wait.
	ErrWatermarkBusy = apperr.New(apperr.Unavailable,
		"Too many videos are being watermarked; try again shortly").WithCode("busy")
	// ErrWatermarkTimeout: one ffmpeg run took longer than Watermarking.Timeout.
	ErrWatermarkTimeout = apperr.New(apperr.Unavailable,
		"Watermarking the video took too long; try again later").WithCode("watermark_timeout")
	// ErrInvalidMedia: the stored file cannot be decoded (truncated, corrupt).
	ErrInvalidMedia = apperr.New(apperr.Undecodable,
		"The stored file cannot be decoded").WithCode("invalid_media")
)

// Download is what a download answers: a signed URL of the original or
// of its watermarked copy.
type Download struct {
	URL         string
	Watermarked bool
}

// maxStoredVideoBytes bounds the copy of a stored video made for ffmpeg
// (uploads are at most 200 MiB; provider outputs are smaller).
const maxStoredVideoBytes = 1 << 30

// jpegQuality is the watermarked photo's: a download, so better than the
// thumbnails' 82.
const jpegQuality = 92

// Watermarking is what downloads need to mark files. Build it with
// NewWatermarking; a nil Service.Watermark marks images with no logo and
// cannot mark videos (ErrWatermarkUnavailable).
type Watermarking struct {
	Logo     image.Image        // drawn over images
	LogoPath string             // the same logo as a PNG file, for ffmpeg
	FFmpeg   string             // ffmpeg's path; "" makes video marks unavailable
	Limiter  *watermark.Limiter // caps concurrent ffmpeg runs (with its wait)
	Timeout  time.Duration      // one ffmpeg run; 0 is watermark.DefaultVideoTimeout
}

// NewWatermarking decodes logoPNG, writes it once to dir for ffmpeg, and
// looks ffmpeg up on PATH (missing: FFmpeg stays "" and only video marks
// are unavailable). concurrency ffmpeg runs may go at once; a download
// finding them all busy waits up to wait before ErrWatermarkBusy.
func NewWatermarking(logoPNG []byte, dir string, concurrency int, wait, timeout time.Duration) (*Watermarking, error) {
	logo, err := watermark.DecodeLogo(logoPNG)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "watermark-logo.png")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, logoPNG, 0o644); err != nil {
		return nil, fmt.Errorf("write the watermark logo: %w", err)
	}
	w := &Watermarking{Logo: logo, LogoPath: path, Limiter: watermark.NewLimiter(concurrency, wait), Timeout: timeout}
	if ff, err := watermark.FindFFmpeg(); err == nil {
		w.FFmpeg = ff
	}
	return w, nil
}

// DownloadImage is the download of image imageID for viewer: its owner's
// or any public post's image; anything else ErrNoImage. The watermarked
// copy is made on the first download that needs it and recorded on the
// file row (files.watermark_key), whoever asked: later downloads reuse it.
func (s *Service) DownloadImage(ctx context.Context, viewer, imageID string) (Download, error) {
	f, err := s.Image(ctx, imageID)
	if err != nil {
		return Download{}, err
	}
	original, err := s.downloadable(ctx, viewer, f.UserID, f, imageID, "", ErrNoImage)
	if err != nil {
		return Download{}, err
	}
	return s.download(ctx, viewer, f, original, s.markImage)
}

// DownloadVideo is DownloadImage for the video of a completed video task
// (the caller's, or a public post's); ErrNoVideo otherwise. The mark is
// made by ffmpeg (see Watermarking).
func (s *Service) DownloadVideo(ctx context.Context, viewer, taskID string) (Download, error) {
	t, err := s.Store.GetTask(ctx, taskID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Download{}, ErrNoVideo
	case err != nil:
		return Download{}, err
	case t.Kind != store.MediaVideo || t.Status != store.TaskCompleted || t.ResultFileID == "":
		return Download{}, ErrNoVideo
	}
	f, err := s.Store.GetFile(ctx, t.ResultFileID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && f.Kind != store.MediaVideo) {
		return Download{}, ErrNoVideo
	} else if err != nil {
		return Download{}, err
	}
	original, err := s.downloadable(ctx, viewer, t.UserID, f, "", taskID, ErrNoVideo)
	if err != nil {
		return Download{}, err
	}
	return s.download(ctx, viewer, f, original, s.markVideo)
}

// downloadable returns the key of the unmarked bytes of f viewer may
// have: for owner (of the image or the task) the original, or for anyone else the public copy of a public post
// made from the image or task (the original when the post has none).
func (s *Service) downloadable(ctx context.Context, viewer, owner string, f store.File, imageID, taskID string, missing error) (string, error) {
	if owner == viewer {
		return f.StorageKey, nil
	}
	key, public, err := s.Store.PublicPostCopy(ctx, imageID, taskID)
	switch {
	case err != nil:
		return "", err
	case !public:
		return "", missing
	case key == "":
		return f.StorageKey, nil
	}
	return key, nil
}

// download answers with the original or, when viewer's downloads carry a
// mark, the cached watermarked copy, made by mark once per file.
func (s *Service) download(ctx context.Context, viewer string, f store.File, original string,
	mark func(context.Context, store.File) (string, error)) (Download, error) {
	need, err := s.needsMark(ctx, viewer)
	if err != nil || !need {
		return Download{URL: s.Blobs.URL(original)}, err
	}
	key := f.WatermarkKey
	if key == "" {
		if key, err = s.marks.do(ctx, f.ID, func(ctx context.Context) (string, error) { return mark(ctx, f) }); err != nil {
			return Download{}, err
		}
	}
	return Download{URL: s.Blobs.URL(key), Watermarked: true}, nil
}

// needsMark is the rule of API.md §3.7: free plan, or watermark asked for
// in the profile. A caller without a profile row is treated as free.
func (s *Service) needsMark(ctx context.Context, viewer string) (bool, error) {
	p, err := s.Store.GetProfile(ctx, viewer)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	} else if err != nil {
		return false, err
	}
	return p.Plan == "free" || p.Watermark, nil
}

// claim stores the copy at key as f's watermark unless another download
// recorded one first, and returns the key in force. When the file went
// meanwhile (deleted during the encode) the copy is removed and the
// download is missing.
func (s *Service) claim(ctx context.Context, f store.File, key string, missing error) (string, error) {
	got, err := s.Store.ClaimFileWatermarkKey(ctx, f.ID, key)
	if errors.Is(err, store.ErrNotFound) {
		s.cleanupKeys(ctx, key)
		return "", missing
	}
	if err == nil && got != key {
		s.cleanupKeys(ctx, key) // another run's copy, under another name, won
	}
	return got, err
}

func (s *Service) cleanupKeys(ctx context.Context, keys ...string) {
	if err := s.Blobs.Delete(context.WithoutCancel(ctx), keys...); err != nil {
		s.Log.Warn("remove an unused watermark copy", "keys", keys, "err", err)
	}
}

// markImage decodes f within the decode bounds, draws the mark over the
// picture as displayed (EXIF orientation applied: the copy carries no
// EXIF), and stores it as JPEG, or PNG when transparency must survive.
func (s *Service) markImage(ctx context.Context, f store.File) (string, error) {
	data, err := s.readBlob(ctx, f.StorageKey, maxStoredImageBytes)
	if errors.Is(err, blob.ErrNotFound) {
		return "", apperr.NotFoundf("The image's file is gone")
	} else if err != nil {
		return "", apperr.Wrap(err, "read stored image "+f.ID)
	}
	var logo image.Image
	if s.Watermark != nil {
		logo = s.Watermark.Logo
	}
	var enc []byte
	var ext, contentType string
	err = s.withDecoded(ctx, bytes.NewReader(data), func(img image.Image, o int) error {
		var err error
		enc, ext, contentType, err = encodeMarked(img, o, logo)
		return err
	})
	if err != nil {
		return "", s.downloadDecodeError(f, err)
	}
	key := blob.FileKey(f.UserID, f.ID, "watermark"+ext)
	if _, err := s.Blobs.Put(ctx, key, bytes.NewReader(enc), contentType); err != nil {
		return "", apperr.Wrap(err, "store watermarked image")
	}
	return s.claim(ctx, f, key, ErrNoImage)
}

// encodeMarked is img turned upright under orientation o with logo drawn
// at watermark.MarkRect, encoded.
func encodeMarked(img image.Image, o int, logo image.Image) (data []byte, ext, contentType string, err error) {
	if o >= 2 && o <= 8 {
		img = imaging.Orient(watermark.Image(img, nil), o)
	}
	marked := watermark.Image(img, logo)
	var buf bytes.Buffer
	if marked.Opaque() {
		err = jpeg.Encode(&buf, marked, &jpeg.Options{Quality: jpegQuality})
		ext, contentType = imaging.JPEG.Ext, imaging.JPEG.ContentType
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, marked)
		ext, contentType = imaging.PNG.Ext, imaging.PNG.ContentType
	}
	if err != nil {
		return nil, "", "", apperr.Wrap(err, "encode watermarked image")
	}
	return buf.Bytes(), ext, contentType, nil
}

// downloadDecodeError is storedDecodeError, except that bytes no decoder
// accepts are ErrInvalidMedia (422, the cause logged) rather than an
// internal error.
func (s *Service) downloadDecodeError(f store.File, err error) error {
	if _, ok := apperr.As(err); ok || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return storedDecodeError(f, err)
	}
	var px *imaging.PixelLimitError
	var mem *imaging.MemoryLimitError
	if errors.As(err, &px) || errors.As(err, &mem) {
		return storedDecodeError(f, err)
	}
	s.Log.Warn("stored image cannot be decoded for a download", "file_id", f.ID, "err", err)
	return ErrInvalidMedia
}

// flights makes each file's watermark once per process at a time: a
// download arriving while the copy is being made waits for that run (up
// to its own ctx) instead of starting another encode. Across processes,
// ClaimFileWatermarkKey keeps the row consistent.
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

type flight struct {
	done chan struct{}
	key  string
	err  error
}

// do runs fn for id unless a run for id is under way, whose result it
// then shares. The leader's run is detached from its ctx's cancellation
// (bounded by the decode slot and ffmpeg timeout instead), so a client
// going away neither wastes the work nor fails those waiting on it.
func (g *flights) do(ctx context.Context, id string, fn func(context.Context) (string, error)) (string, error) {
	g.mu.Lock()
	if g.m == nil {
		g.m = map[string]*flight{}
	}
	if fl, ok := g.m[id]; ok {
		g.mu.Unlock()
		select {
		case <-fl.done:
			return fl.key, fl.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	fl := &flight{done: make(chan struct{})}
	g.m[id] = fl
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.m, id)
		g.mu.Unlock()
		close(fl.done)
	}()
	fl.key, fl.err = fn(context.WithoutCancel(ctx))
	return fl.key, fl.err
}

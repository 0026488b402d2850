package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/kira-art/kira/internal/apperr"
	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/store"
	"github.com/kira-art/kira/internal/watermark"
)

// markVideo makes f's watermarked MP4 with ffmpeg: it takes a Limiter
// slot first (so a busy server refuses before copying anything), copies
// the stored bytes to a private temporary directory (ffmpeg reads files,
// and the blob backend may be remote), runs watermark.Video under the
// timeout and uploads the result. The directory goes whatever happens.
func (s *Service) markVideo(ctx context.Context, f store.File) (string, error) {
	w := s.Watermark
	if w == nil || w.FFmpeg == "" {
		return "", ErrWatermarkUnavailable
	}
	if w.Limiter != nil {
		release, err := w.Limiter.Acquire(ctx)
		if errors.Is(err, watermark.ErrBusy) {
			return "", ErrWatermarkBusy
		} else if err != nil {
			return "", err
		}
		defer release()
	}
	dir, err := os.MkdirTemp(s.Limits.TempDir, "watermark-")
	if err != nil {
		return "", apperr.Wrap(err, "watermark temp dir")
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out.mp4")
	if err := s.copyBlobToFile(ctx, f.StorageKey, in, maxStoredVideoBytes); err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			return "", apperr.NotFoundf("The video's file is gone")
		}
		return "", apperr.Wrap(err, "copy stored video "+f.ID)
	}
	err = watermark.Video(ctx, w.FFmpeg, in, out, w.LogoPath, watermark.VideoOptions{Timeout: w.Timeout})
	if err != nil {
		return "", s.videoError(f, err)
	}
	src, err := os.Open(out)
	if err != nil {
		return "", apperr.Wrap(err, "open watermarked video")
	}
	defer src.Close()
	key := blob.FileKey(f.UserID, f.ID, "watermark.mp4")
	if _, err := s.Blobs.Put(ctx, key, src, "video/mp4"); err != nil {
		return "", apperr.Wrap(err, "store watermarked video")
	}
	return s.claim(ctx, f, key, ErrNoVideo)
}

// videoError maps a failed ffmpeg run: ffmpeg refusing the input (it ran
// and exited non-zero) is ErrInvalidMedia, its run exceeding the timeout
// ErrWatermarkTimeout, ffmpeg vanishing since start-up
// ErrWatermarkUnavailable; the cause is logged, never shown (it names
// paths).
func (s *Service) videoError(f store.File, err error) error {
	var ff *watermark.FFmpegError
	var exit *exec.ExitError
	var out error
	switch {
	case errors.As(err, &ff) && errors.As(err, &exit):
		out = ErrInvalidMedia
	case errors.As(err, &ff):
		out = ErrWatermarkUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		out = ErrWatermarkTimeout
	default:
		return apperr.Wrap(err, "watermark video "+f.ID)
	}
	s.Log.Warn("video watermark failed", "file_id", f.ID, "err", err)
	return out
}

// copyBlobToFile writes the object at key to path, refusing objects
// larger than limit.
func (s *Service) copyBlobToFile(ctx context.Context, key, path string, limit int64) error {
	rc, err := s.Blobs.Open(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	dst, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	n, err := io.Copy(dst, io.LimitReader(rc, limit+1))
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > limit {
		err = fmt.Errorf("%s: %w", key, errStoredTooLong)
	}
	return err
}

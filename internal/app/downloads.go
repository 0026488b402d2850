package app

import (
	"time"

	"github.com/kira-art/kira/content"
	"github.com/kira-art/kira/internal/files"
)

// watermarkWait is how long a video download queues for an ffmpeg slot
// (WATERMARK_VIDEO_CONCURRENCY) before a 503 busy.
const watermarkWait = 10 * time.Second

// buildWatermarking gives the files service the shipped logo (written once
// under the data directory for ffmpeg), ffmpeg's path and the cap on its
// runs. Without ffmpeg only video watermarks are unavailable (503), so it
// is a warning, not a start-up failure.
func (a *App) buildWatermarking() error {
	w, err := files.NewWatermarking(content.WatermarkLogo(), a.cfg.DataDir, a.cfg.Downloads.VideoConcurrency,
		watermarkWait, a.cfg.Downloads.VideoTimeout)
	if err != nil {
		return err
	}
	if w.FFmpeg == "" {
		a.log.Warn("ffmpeg not found on PATH: video downloads that need a watermark answer 503")
	}
	a.files.Watermark = w
	return nil
}

package media

import (
	"context"
	"fmt"
	"time"

	"github.com/kira-art/kira/internal/avenc"
)

// Provider names NewVideoProvider and NewMusicProvider accept ("" is
// local), as VIDEO_PROVIDER and MUSIC_PROVIDER name them.
const (
	ProviderLocal    = "local"
	ProviderSeedance = "seedance"
	ProviderSuno     = "suno"
)

// VideoConfig configures every video provider; NewVideoProvider uses the
// part for the one it builds.
type VideoConfig struct {
	Local    LocalVideoOptions
	Seedance SeedanceConfig
}

// NewVideoProvider returns the video provider called name: "local" (or
// "") or "seedance". For seedance without cfg.Seedance.FFmpeg, an ffmpeg
// found on PATH (or at cfg.Local.FFmpegPath) makes the thumbnails.
func NewVideoProvider(name string, cfg VideoConfig) (VideoProvider, error) {
	switch name {
	case "", ProviderLocal:
		return NewLocalVideo(cfg.Local), nil
	case ProviderSeedance:
		if cfg.Seedance.FFmpeg == nil && !cfg.Local.ForceGo {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			cfg.Seedance.FFmpeg, _ = avenc.FindFFmpeg(ctx, cfg.Local.FFmpegPath) // nil without: no thumbnails
		}
		return NewSeedance(cfg.Seedance)
	}
	return nil, fmt.Errorf("media: unknown video provider %q (want local or seedance)", name)
}

// MusicConfig configures every music provider; NewMusicProvider uses the
// part for the one it builds.
type MusicConfig struct {
	Local LocalMusic
	Suno  SunoConfig
}

// NewMusicProvider returns the music provider called name: "local" (or
// "") or "suno".
func NewMusicProvider(name string, cfg MusicConfig) (MusicProvider, error) {
	switch name {
	case "", ProviderLocal:
		return cfg.Local, nil
	case ProviderSuno:
		return NewSuno(cfg.Suno)
	}
	return nil, fmt.Errorf("media: unknown music provider %q (want local or suno)", name)
}

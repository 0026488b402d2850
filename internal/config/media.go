package config

import (
	"fmt"
	"time"
)

func (m MediaConfig) problems() []string {
	var p []string
	if m.VideoProvider != "local" && m.VideoProvider != "seedance" {
		p = append(p, fmt.Sprintf("VIDEO_PROVIDER: %q is neither local nor seedance", m.VideoProvider))
	}
	if m.VideoProvider == "seedance" && (m.VideoAPIKey == "" || m.VideoModel == "") {
		p = append(p, "VIDEO_API_KEY, VIDEO_MODEL: required with VIDEO_PROVIDER=seedance")
	}
	if m.MusicProvider != "local" && m.MusicProvider != "suno" {
		p = append(p, fmt.Sprintf("MUSIC_PROVIDER: %q is neither local nor suno", m.MusicProvider))
	}
	if m.MusicProvider == "suno" && m.MusicAPIKey == "" {
		p = append(p, "MUSIC_API_KEY: required with MUSIC_PROVIDER=suno")
	}
	for name, v := range map[string]string{"VIDEO_BASE_URL": m.VideoBaseURL, "MUSIC_BASE_URL": m.MusicBaseURL} {
		if v != "" && !hasScheme(v, "http", "https") {
			p = append(p, name+": want an http(s) URL")
		}
	}
	if m.VideoTimeout <= 0 || m.MusicTimeout <= 0 || m.SlotLease < 3*time.Second {
		p = append(p, "VIDEO_TIMEOUT, MUSIC_TIMEOUT: must be positive; TASK_SLOT_LEASE: at least 3s")
	}
	return p
}

func (r RealtimeConfig) problems() []string {
	var p []string
	if r.CentrifugoAPIURL != "" && !hasScheme(r.CentrifugoAPIURL, "http", "https") {
		p = append(p, "CENTRIFUGO_API_URL: want an http(s) URL")
	}
	if r.CentrifugoAPIURL != "" && r.CentrifugoAPIKey == "" {
		p = append(p, "CENTRIFUGO_API_KEY: required with CENTRIFUGO_API_URL")
	}
	if r.CentrifugoTokenSecret != "" && len(r.CentrifugoTokenSecret) < 32 {
		p = append(p, "CENTRIFUGO_TOKEN_SECRET: use at least 32 bytes")
	}
	if r.CentrifugoAPIURL != "" && r.CentrifugoTokenSecret == "" {
		p = append(p, "CENTRIFUGO_TOKEN_SECRET: required with CENTRIFUGO_API_URL (clients need connection tokens)")
	}
	return p
}

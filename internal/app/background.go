package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/kira-art/kira/internal/httpapi"
	"github.com/kira-art/kira/internal/jobs"
	"github.com/kira-art/kira/internal/media"
	"github.com/kira-art/kira/internal/realtime"
	"github.com/kira-art/kira/internal/tasks"
	"github.com/kira-art/kira/internal/view"
)

// Role says what a process runs: the HTTP API and the workers (kira serve),
// or only the workers (kira worker).
type Role int

// Roles.
const (
	RoleServe Role = iota
	RoleWorker
)

// WithRole makes the app run only part of itself (kira worker).
func WithRole(r Role) Option { return func(o *options) { o.role = r } }

// buildRealtime picks the push: an external Centrifugo when
// CENTRIFUGO_API_URL is set, otherwise the embedded Centrifuge node (with
// its Redis broker when REDIS_URL is set, so every instance reaches every
// client).
func (a *App) buildRealtime(context.Context) error {
	rc := a.cfg.Realtime
	if rc.External() {
		p, err := realtime.NewCentrifugoPublisher(rc.CentrifugoAPIURL, rc.CentrifugoAPIKey, &http.Client{Timeout: 10 * time.Second})
		if err != nil {
			return fmt.Errorf("centrifugo: %w", err)
		}
		a.pusher = p
		a.minter = &realtime.TokenMinter{Secret: []byte(rc.CentrifugoTokenSecret)}
		a.log.Info("realtime: external centrifugo", "api", rc.CentrifugoAPIURL)
		return nil
	}
	node, err := realtime.NewNode(realtime.NodeConfig{
		Verify: func(ctx context.Context, token string) (string, time.Time, error) {
			c, err := a.verifier.Verify(ctx, token)
			return c.UserID, c.ExpiresAt, err
		},
		Logger: a.log, RedisURL: a.cfg.RedisURL, Prefix: a.cfg.RedisPrefix + "realtime", AllowedOrigins: rc.AllowedOrigins,
	})
	if err != nil {
		return fmt.Errorf("realtime: %w", err)
	}
	// Started here, not in Start: workers publish as soon as they run, and
	// the broker must be connected by then.
	if err := node.Start(); err != nil {
		return fmt.Errorf("realtime: %w", err)
	}
	a.onStop(node.Stop)
	a.node, a.pusher = node, node
	a.log.Info("realtime: embedded centrifuge", "websocket", "/connection/websocket", "redis", a.cfg.RedisURL != "")
	return nil
}

// buildTasks makes the media providers, the task lifecycle and the River
// workers.
func (a *App) buildTasks(context.Context) error {
	mc := a.cfg.Media
	video, err := media.NewVideoProvider(mc.VideoProvider, media.VideoConfig{
		Seedance: media.SeedanceConfig{BaseURL: mc.VideoBaseURL, APIKey: mc.VideoAPIKey, Model: mc.VideoModel}})
	if err != nil {
		return err
	}
	music, err := media.NewMusicProvider(mc.MusicProvider, media.MusicConfig{
		Suno: media.SunoConfig{BaseURL: mc.MusicBaseURL, APIKey: mc.MusicAPIKey, Model: mc.MusicModel}})
	if err != nil {
		return err
	}
	if lv, ok := video.(*media.LocalVideo); ok {
		a.log.Info("video: local provider", "encoder", lv.Encoder(), "why", lv.EncoderNote())
	} else {
		a.log.Info("video provider", "name", video.Name())
	}
	a.log.Info("music provider", "name", music.Name())
	a.tasks = tasks.New(tasks.Deps{Store: a.store, Files: a.files, Views: a.views, Video: video, Music: music,
		Publisher: a.pusher, Log: a.log, Events: a.telemetry.events})
	a.jobs, err = jobs.New(jobs.Config{Store: a.store, Tasks: a.tasks, Titles: a.titles, Files: a.files, Log: a.log, Mail: a.notify,
		Moderation: a.threadModeration(), Accounts: a.accountService(), Blobs: a.blobs,
		VideoTimeout: mc.VideoTimeout, MusicTimeout: mc.MusicTimeout, SlotLease: mc.SlotLease,
		VideoConcurrency: mc.VideoConcurrency, MusicConcurrency: mc.MusicConcurrency,
		MediaWorkers: mc.Workers, NoMediaJobs: mc.Workers == 0,
		Cleaners: a.externalCleaners()})
	return err
}

// startJobs runs the workers; they stop before the store closes.
func (a *App) startJobs() error {
	if err := a.jobs.Start(context.Background()); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	a.onStop(a.jobs.Stop)
	return nil
}

// realtimeHandler is the embedded node's websocket (nil when external).
func (a *App) realtimeHandler() http.Handler {
	if a.node == nil {
		return nil
	}
	return a.node.Handler()
}

// realtimeTokens mints external Centrifugo tokens (nil when embedded).
func (a *App) realtimeTokens() httpapi.TokenMinter {
	if a.minter == nil {
		return nil
	}
	return a.minter
}

// publishTitle pushes a new thread's model-written title to its owner's
// channel of the thread: {"type":"thread_title","threadId","title"}.
func (a *App) publishTitle(ctx context.Context, threadID, userID, title string) {
	data, err := json.Marshal(view.ThreadTitle(threadID, title))
	if err == nil {
		err = a.pusher.Publish(ctx, realtime.UserChannel(userID, threadID), data)
	}
	if err != nil {
		a.log.Warn("publish thread title", "thread_id", threadID, "err", err)
	}
}

// buildRiverUI makes River's web UI for /admin/river/ when an admin
// password guards it and this process serves HTTP; its background
// services run until the app stops.
func (a *App) buildRiverUI(ctx context.Context) (http.Handler, error) {
	if a.cfg.AdminPassword == "" || a.opts.role == RoleWorker {
		return nil, nil
	}
	h, err := a.jobs.UI("/admin/river")
	if err != nil {
		return nil, fmt.Errorf("river ui: %w", err)
	}
	uiCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	if err := h.Start(uiCtx); err != nil {
		cancel()
		return nil, fmt.Errorf("river ui: %w", err)
	}
	a.onStop(func(context.Context) error { cancel(); return nil })
	a.log.Info("river ui", "path", "/admin/river/", "auth", "HTTP Basic, ADMIN_PASSWORD")
	return h, nil
}

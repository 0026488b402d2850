package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kira-art/kira/internal/agent"
	"github.com/kira-art/kira/internal/config"
	"github.com/kira-art/kira/internal/hotcache"
	"github.com/kira-art/kira/internal/httpapi"
	"github.com/kira-art/kira/internal/llm"
	"github.com/kira-art/kira/internal/media"
	"github.com/kira-art/kira/internal/runs"
)

// runLogTTL is how long a finished run's log stays readable for late
// reconnects.
const runLogTTL = 10 * time.Minute

// agentParts is what buildAgent makes beside the agent and titles.
type agentParts struct {
	runs runs.Backend
}

// buildAgent picks the run backend (Redis when REDIS_URL is set, else in
// memory) and the model, and builds the agent and the title writer.
func (a *App) buildAgent(ctx context.Context) (agentParts, error) {
	backend, err := a.runBackend(ctx)
	if err != nil {
		return agentParts{}, err
	}
	model, err := llm.New(a.cfg.LLMProvider, llm.Config{BaseURL: a.cfg.LLMBaseURL, APIKey: a.cfg.LLMAPIKey,
		Model: a.cfg.LLMModel, ThinkingModel: a.cfg.LLMThinkingModel, TitleModel: a.cfg.LLMTitleModel,
		TokenDelay: a.cfg.LLMTokenDelay})
	if err != nil {
		return agentParts{}, fmt.Errorf("llm: %w", err)
	}
	images, err := a.imageProvider()
	if err != nil {
		return agentParts{}, err
	}
	host, _ := os.Hostname()
	a.agent = agent.New(agent.Deps{Store: a.store, Runs: backend, Model: model, Images: images,
		Files: a.files, Views: a.views, LeaseTTL: a.cfg.RunLease,
		Log: a.log, Instance: fmt.Sprintf("%s/%d", host, os.Getpid())})
	a.titles = agent.NewTitles(a.store, model, a.log, a.publishTitle)
	a.log.Info("agent ready", "model", model.Name(), "runs", fmt.Sprintf("%T", backend))
	return agentParts{runs: backend}, nil
}

func (a *App) imageProvider() (media.ImageProvider, error) {
	if a.cfg.ImageProvider != "openai" {
		return media.LocalImages{}, nil
	}
	p, err := media.NewOpenAIImages(media.Config{BaseURL: a.cfg.ImageBaseURL, APIKey: a.cfg.ImageAPIKey, Model: a.cfg.ImageModel})
	if err != nil {
		return nil, fmt.Errorf("image provider: %w", err)
	}
	return p, nil
}

func (a *App) runBackend(context.Context) (runs.Backend, error) {
	if a.redis == nil {
		return runs.NewMemory(runLogTTL), nil
	}
	backend := runs.NewRedis(a.redis, a.cfg.RedisPrefix, runLogTTL)
	a.onStop(func(context.Context) error { backend.Stop(); return nil }) //nolint:errcheck
	return backend, nil
}

// CacheChannel is the Redis pub/sub channel the instances of one
// deployment announce cache invalidations on (`kira feature` too).
func CacheChannel(cfg config.Config) string { return cfg.RedisPrefix + "hotcache" }

// connectRedis opens the one Redis client of the process (runs and cache
// invalidations share it) when REDIS_URL is set; it is closed last.
func (a *App) connectRedis(ctx context.Context) error {
	if a.cfg.RedisURL == "" {
		a.cache = hotcache.NewMemory()
		return nil
	}
	opts, err := redis.ParseURL(a.cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	client := redis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return fmt.Errorf("connect redis: %w", err)
	}
	a.redis = client
	a.onStop(func(context.Context) error { return client.Close() })
	a.ready = append(a.ready, httpapi.ReadyCheck{Name: "redis", Check: func(ctx context.Context) error {
		return client.Ping(ctx).Err()
	}})
	a.cache = hotcache.NewRedis(client, CacheChannel(a.cfg), a.log)
	return nil
}

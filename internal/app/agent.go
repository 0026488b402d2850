package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kira-art/kira/internal/agent"
	"github.com/kira-art/kira/internal/httpapi"
	"github.com/kira-art/kira/internal/llm"
	"github.com/kira-art/kira/internal/media"
	"github.com/kira-art/kira/internal/runs"
)

// runLogTTL is how long a finished run's log stays readable for late
// reconnects.
const runLogTTL = 10 * time.Minute

// buildAgent picks the run backend (Redis when REDIS_URL is set, else in
// memory) and the model, and wires the agent into the API.
func (a *App) buildAgent(ctx context.Context) error {
	backend, err := a.runBackend(ctx)
	if err != nil {
		return err
	}
	model, err := llm.New(a.cfg.LLMProvider, llm.Config{BaseURL: a.cfg.LLMBaseURL, APIKey: a.cfg.LLMAPIKey,
		Model: a.cfg.LLMModel, ThinkingModel: a.cfg.LLMThinkingModel, TitleModel: a.cfg.LLMTitleModel,
		TokenDelay: a.cfg.LLMTokenDelay})
	if err != nil {
		return fmt.Errorf("llm: %w", err)
	}
	images, err := a.imageProvider()
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	a.agent = agent.New(agent.Deps{Store: a.store, Runs: backend, Model: model, Images: images,
		Files: a.files, ImageJSON: a.api.ImageJSON, TaskJSON: a.api.TaskJSON,
		Log: a.log, Instance: fmt.Sprintf("%s/%d", host, os.Getpid())})
	a.titles = agent.NewTitles(a.store, model, a.log)
	a.api.Agent, a.api.Runs, a.api.Titles = a.agent, backend, a.titles
	a.log.Info("agent ready", "model", model.Name(), "runs", fmt.Sprintf("%T", backend))
	return nil
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

func (a *App) runBackend(ctx context.Context) (runs.Backend, error) {
	if a.cfg.RedisURL == "" {
		return runs.NewMemory(runLogTTL), nil
	}
	opts, err := redis.ParseURL(a.cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	client := redis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("connect redis: %w", err)
	}
	backend := runs.NewRedis(client, "kira:", runLogTTL)
	a.onStop(func(context.Context) error { backend.Stop(); return client.Close() }) //nolint:errcheck
	a.api.Ready = append(a.api.Ready, httpapi.ReadyCheck{Name: "redis", Check: func(ctx context.Context) error {
		return client.Ping(ctx).Err()
	}})
	return backend, nil
}
